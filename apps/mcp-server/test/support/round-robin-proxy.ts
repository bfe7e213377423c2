import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A load balancer at its simplest: each request goes to the next replica in turn. */
/** On `port` when given (a public URL known before the replicas start), else a free one. */
export async function roundRobinProxy(
  targets: string[],
  port = 0,
): Promise<{
  url: string;
  served: number[];
  sessionIds: string[];
  close(): Promise<void>;
}> {
  const served = targets.map(() => 0);
  const sessionIds: string[] = [];
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const index = next++ % targets.length;
    served[index] = (served[index] ?? 0) + 1;
    const target = new URL(targets[index] as string);
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        // The request's own path: /mcp, or the metadata an OAuth client looks up first.
        path: incoming.url,
        method: incoming.method,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        const sessionId = answer.headers['mcp-session-id'];
        if (typeof sessionId === 'string') sessionIds.push(sessionId);
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    served,
    sessionIds,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
