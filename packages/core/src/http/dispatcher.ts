import { type Dispatcher, EnvHttpProxyAgent, FormData as UndiciFormData, fetch as undiciFetch } from 'undici';
import { proxySettings } from './proxy.js';

export { request } from 'undici';

/*
 * Everything here needs undici, whose load is a good part of a bin's start-up: this module is not
 * in the package index but its own entry (`@sumo-ops/core/http-dispatcher`), and `SumoClient`
 * loads it at its first request, so a process that never calls out (an MCP server answering
 * `tools/list`, `--help`) never loads undici.
 */

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
