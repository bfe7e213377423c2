import type { CookieJar } from 'tough-cookie';
import type { SumoRequest } from './client.js';

/**
 * tough-cookie (with its public-suffix list) is loaded at the first search job rather than with
 * the package: it is a good part of what a bin would otherwise load and evaluate before its first
 * answer (bench/cold-start), and most runs never search.
 */
let toughCookie: Promise<typeof import('tough-cookie')> | undefined;
const loadToughCookie = () => {
  toughCookie ??= import('tough-cookie');
  return toughCookie;
};

/**
 * What routes a search job's follow-up requests to the node that runs the job. The v1 API does it
 * with cookies, so each job gets its own jar: a jar shared by concurrent jobs lets the second
 * job's cookie overwrite the first's. A cookie-less API would make this an empty object; nothing
 * outside `http/` and `api/search-jobs.ts` knows how the routing is done.
 */
export class SearchJobAffinity {
  readonly #jar: CookieJar;

  private constructor(jar: CookieJar) {
    this.#jar = jar;
  }

  /** A new job's: no cookie yet. */
  static async create(): Promise<SearchJobAffinity> {
    const { CookieJar } = await loadToughCookie();
    return new SearchJobAffinity(new CookieJar());
  }

  /**
   * The routing as text, for another process to continue the job (`deserialize`). It holds the
   * job's session cookie: keep it out of logs and replies.
   */
  serialize(): string {
    const serialized = this.#jar.serializeSync();
    // The jar's store is tough-cookie's in-memory one, which is synchronous.
    if (serialized === undefined) throw new Error('the search job cookie jar cannot be serialized');
    return JSON.stringify(serialized);
  }

  static async deserialize(text: string): Promise<SearchJobAffinity> {
    const { CookieJar } = await loadToughCookie();
    return new SearchJobAffinity(CookieJar.deserializeSync(text));
  }

  /** Options to spread into every request that concerns this job (create, status, pages, delete). */
  requestOptions(): Pick<SumoRequest, 'cookieJar'> {
    return { cookieJar: this.#jar };
  }
}
