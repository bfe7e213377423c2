import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';

/** One request that went through the proxy: a CONNECT tunnel, or an absolute-form http:// request. */
export interface ProxiedRequest {
  kind: 'connect' | 'absolute';
  /** `host:port` of the destination. */
  target: string;
  /** For absolute-form requests, the method and path; for tunnels, CONNECT. */
  method: string;
  path: string;
  /** Whether the client sent `Proxy-Authorization`. */
  proxyAuthorization: boolean;
}

export interface LocalHttpProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Everything that passed through, in order. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A small forward proxy on a free loopback port that records what passes through it: CONNECT
 * tunnels (how clients reach https:// through a proxy, and how undici reaches http:// by default)
 * and absolute-form requests (`GET http://host/path`). For tests of proxy settings.
 */
export async function startHttpProxy(): Promise<LocalHttpProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    let url: URL;
    try {
      url = new URL(incoming.url ?? '');
    } catch {
      outgoing.writeHead(400).end('absolute-form request expected');
      return;
    }
    requests.push({
      kind: 'absolute',
      target: url.host,
      method: incoming.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      proxyAuthorization: incoming.headers['proxy-authorization'] !== undefined,
    });
    const headers = { ...incoming.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(url, { method: incoming.method, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (incoming, client: Socket, head: Buffer) => {
    const target = incoming.url ?? '';
    requests.push({
      kind: 'connect',
      target,
      method: 'CONNECT',
      path: '',
      proxyAuthorization: incoming.headers['proxy-authorization'] !== undefined,
    });
    const separator = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(separator + 1)), target.slice(0, separator), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    const end = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
