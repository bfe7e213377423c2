import { createHash } from 'node:crypto';

/** An RFC 7662 introspection response, as the authorization server sent it. */
export type IntrospectionAnswer = Record<string, unknown>;

/** Enough for every session of a large team; a flood of tokens only pushes out the oldest. */
const MAX_ENTRIES = 10_000;

/**
 * Active introspection answers, reused so a session's requests do not each cost a round trip to
 * the authorization server (nor fail while it is slow or briefly down). Kept for at most
 * `maxAgeSeconds` and never past the token's `exp`; keyed by a SHA-256 of the token, so a heap
 * dump shows no token. Identical introspections in flight at once share one request.
 *
 * Inactive answers are not kept: a flood of made-up tokens never repeats one (a negative cache
 * would not spare the server anything), and a token the server did not know yet — issued a
 * moment ago, or on a replica of the server that has not caught up — is accepted on the next try.
 *
 * A Map rather than `lru-cache`: what bounds an entry is the token's `exp`, an epoch time checked
 * against `Date.now()` like every other claim, where lru-cache's TTLs run on `performance.now()`;
 * and dropping the oldest insertion is all the bound needs.
 */
export class IntrospectionCache {
  readonly #maxAgeMs: number;
  readonly #answers = new Map<string, { answer: IntrospectionAnswer; until: number }>();
  readonly #inFlight = new Map<string, Promise<IntrospectionAnswer>>();

  constructor(maxAgeSeconds: number) {
    this.#maxAgeMs = maxAgeSeconds * 1000;
  }

  /** The kept answer for `token`, or `introspect(token)`'s, shared with any identical one in flight. */
  answerFor(
    token: string,
    introspect: (token: string) => Promise<IntrospectionAnswer>,
  ): Promise<IntrospectionAnswer> {
    const key = createHash('sha256').update(token).digest('base64url');
    const kept = this.#answers.get(key);
    if (kept && kept.until > Date.now()) return Promise.resolve(kept.answer);
    this.#answers.delete(key);
    const asking = this.#inFlight.get(key);
    if (asking) return asking;
    const asked = introspect(token)
      .then((answer) => {
        this.#keep(key, answer);
        return answer;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, asked);
    return asked;
  }

  #keep(key: string, answer: IntrospectionAnswer): void {
    // Without an `exp` nothing bounds the answer, and the per-request checks refuse it anyway.
    if (answer.active !== true || typeof answer.exp !== 'number') return;
    const until = Math.min(Date.now() + this.#maxAgeMs, answer.exp * 1000);
    if (until <= Date.now()) return;
    if (this.#answers.size >= MAX_ENTRIES) {
      // A Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.#answers.keys().next();
      if (!oldest.done) this.#answers.delete(oldest.value);
    }
    this.#answers.set(key, { answer, until });
  }
}
