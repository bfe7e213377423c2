import { type Dispatcher, EnvHttpProxyAgent, FormData as UndiciFormData, fetch as undiciFetch } from 'undici';
import { registerSecret } from './redact.js';

/** Proxy settings as the usual variables give them; empty means "none". */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/**
 * HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower case first, as curl and undici read them) from the
 * given environment only: a caller that passes its own environment (tests, embedders) is not
 * overridden by the process's. A password in a proxy URL is registered as a secret.
 */
export function proxySettings(env: Record<string, string | undefined> = process.env): ProxySettings {
  const pick = (name: string) => (env[name.toLowerCase()] ?? env[name] ?? '').trim();
  const settings = {
    httpProxy: pick('HTTP_PROXY'),
    httpsProxy: pick('HTTPS_PROXY'),
    noProxy: pick('NO_PROXY'),
  };
  for (const url of [settings.httpProxy, settings.httpsProxy]) {
    try {
      if (url) registerSecret(decodeURIComponent(new URL(url).password));
    } catch {
      // Not a URL: undici refuses it when the agent is made, with its own message.
    }
  }
  return settings;
}

/** Where a proxy is set, its origin (credentials left out) for a log line; undefined without one. */
export function describeProxy(settings: ProxySettings): string | undefined {
  const origins = [settings.httpsProxy, settings.httpProxy].filter(Boolean).map((url) => {
    try {
      return new URL(url).origin;
    } catch {
      return 'an unparsable URL';
    }
  });
  if (origins.length === 0) return undefined;
  return `${[...new Set(origins)].join(', ')}${settings.noProxy ? ` (not for ${settings.noProxy})` : ''}`;
}

/**
 * The dispatcher every outgoing call of a process goes through: a keep-alive agent that sends
 * requests through the proxy the environment names (CONNECT for https://), except to NO_PROXY
 * hosts. Without proxy variables it is a plain agent. It sits below the rate limiter and the retry
 * policy, which are the client's and see the same requests either way.
 */
export function createHttpDispatcher(
  env: Record<string, string | undefined> = process.env,
  agent: { connections?: number; keepAliveTimeout?: number } = {},
): Dispatcher {
  const settings = proxySettings(env);
  return new EnvHttpProxyAgent({ ...agent, ...settings });
}

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A WHATWG fetch over `dispatcher`, for libraries that take a custom fetch (the Slack Web API
 * client) so that their calls honour the same proxy settings. A FormData made with Node's global
 * class (another copy of undici on Node 20) is copied into this undici's own, which would
 * otherwise send it as the text "[object FormData]" — a file upload would arrive empty.
 */
export function fetchThrough(dispatcher: Dispatcher): FetchFunction {
  return (input, init) => {
    const options = { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher };
    const body: unknown = init?.body;
    if (body instanceof globalThis.FormData && !(body instanceof UndiciFormData)) {
      const copy = new UndiciFormData();
      for (const [name, value] of body) {
        if (typeof value === 'string') copy.append(name, value);
        else copy.append(name, value, value.name);
      }
      options.body = copy;
    }
    return undiciFetch(input, options) as unknown as Promise<Response>;
  };
}
