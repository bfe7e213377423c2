/**
 * Secrets are removed from everything that leaves the process (logs, errors, replies) by the
 * same two rules: values registered here are replaced wherever they appear, and anything that
 * looks like a credential by shape (auth headers, Slack tokens) or by key name is masked.
 * Registering happens where secrets enter (config loading), so no caller has to remember it.
 */
const registeredSecrets = new Set<string>();
let secretsLongestFirst: string[] = [];

export const REDACTED = '[REDACTED]';

export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; real keys and tokens are long.
  if (!value || value.length < 6 || registeredSecrets.has(value)) return;
  registeredSecrets.add(value);
  // The same secret as it appears inside a JSON text, so serialised answers can be redacted in
  // one pass over their text.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) registeredSecrets.add(escaped);
  secretsLongestFirst = [...registeredSecrets].sort((a, b) => b.length - a.length);
}

const SHAPED_SECRETS: Array<[RegExp, string]> = [
  [/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\bxox[abposr]-[A-Za-z0-9-]+/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]+/g, REDACTED],
  // Quotes are excluded so that the pattern never spans two strings of a JSON text.
  [/(\/\/[^/\s:@"]+:)[^/\s@"]+@/g, `$1${REDACTED}@`],
];

const SENSITIVE_KEY = /(pass(word)?|secret|token|authorization|access_?key|api_?key|cookie|credential)/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) && !/^(confirmation_?token|next_?token|progress_?token)$/i.test(key);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of secretsLongestFirst) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of SHAPED_SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/** A redacted deep copy, safe to serialise. Cycles and depth are bounded so logging never throws. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactText(value.message),
      ...(redactValue({ ...value }, depth + 1, seen) as object),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? REDACTED : redactValue(item, depth + 1, seen);
  }
  return out;
}
