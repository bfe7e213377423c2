import { SumoConfigError } from './errors.js';
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
 * Refuses proxy variables that are not URLs when a client is made, naming each one, as a missing
 * key is refused: undici itself is loaded only at the first request, too late to say so at start.
 */
export function checkProxySettings(settings: ProxySettings): void {
  const problems = (['httpsProxy', 'httpProxy'] as const)
    .filter((field) => settings[field] !== '' && !URL.canParse(settings[field]))
    .map(
      (field) =>
        `${field === 'httpsProxy' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} is not a URL: set it to the proxy's URL, e.g. http://proxy.example.com:3128, or unset it`,
    );
  if (problems.length > 0) throw new SumoConfigError(problems, 'The proxy settings are not usable');
}
