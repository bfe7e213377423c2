import { CookieJar } from 'tough-cookie';
import type { SumoRequest } from './client.js';

/**
 * What routes a search job's follow-up requests to the node that runs the job. The v1 API does it
 * with cookies, so each job gets its own jar: a jar shared by concurrent jobs lets the second
 * job's cookie overwrite the first's. A cookie-less API would make this an empty object; nothing
 * outside `http/` and `api/search-jobs.ts` knows how the routing is done.
 */
export class SearchJobAffinity {
  readonly #jar: CookieJar;

  constructor(jar: CookieJar = new CookieJar()) {
    this.#jar = jar;
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

  static deserialize(text: string): SearchJobAffinity {
    return new SearchJobAffinity(CookieJar.deserializeSync(text));
  }

  /** Options to spread into every request that concerns this job (create, status, pages, delete). */
  requestOptions(): Pick<SumoRequest, 'cookieJar'> {
    return { cookieJar: this.#jar };
  }
}
