import type { SumoClient } from '../http/client.js';
import { SearchJobError } from './errors.js';
import type { SearchJob, SearchJobCloseReason } from './search-job.js';

/** How many closed job ids are remembered, to explain a later call about one. */
const REMEMBERED_CLOSED = 500;

/**
 * The search jobs of this process that outlive one operation call (a run_search out of time, a
 * start_search). A follow-up call must reuse the job's own cookie jar, and only this process has
 * it, so a job id is looked up here; an id we never had, or no longer have, gets a clear error.
 * Jobs are keyed by API URL and access id too: two accounts may well have the same job id.
 */
export class SearchJobRegistry {
  readonly #jobs = new Map<string, SearchJob>();
  readonly #closed = new Map<string, SearchJobCloseReason>();

  add(job: SearchJob): void {
    this.#jobs.set(keyOf(job.client, job.id), job);
  }

  /** Called from the job's `onClosed`. */
  closed(job: SearchJob, reason: SearchJobCloseReason): void {
    const key = keyOf(job.client, job.id);
    if (this.#jobs.get(key) !== job) return;
    this.#jobs.delete(key);
    this.#closed.set(key, reason);
    if (this.#closed.size > REMEMBERED_CLOSED) {
      const oldest = this.#closed.keys().next().value;
      if (oldest !== undefined) this.#closed.delete(oldest);
    }
  }

  get(client: SumoClient, id: string): SearchJob {
    const key = keyOf(client, id);
    const job = this.#jobs.get(key);
    if (job && !job.closed) return job;
    const reason = this.#closed.get(key);
    if (reason === 'idle') {
      throw new SearchJobError(
        'search.job.unknown',
        `Search job ${id} was deleted after going unused for too long; results are not kept. Run the search again.`,
        id,
      );
    }
    if (reason) {
      throw new SearchJobError(
        'search.job.unknown',
        `Search job ${id} was cancelled and deleted. Run the search again.`,
        id,
      );
    }
    throw new SearchJobError(
      'search.job.unknown',
      `Search job ${id} is not one this process started, so its session cookie is not here (search jobs can only be followed from the process that created them). Start a new search with run_search or start_search.`,
      id,
    );
  }

  /** Live jobs, for tests and shutdown. */
  list(): SearchJob[] {
    return [...this.#jobs.values()];
  }

  /** Deletes every live job (at shutdown). */
  async closeAll(): Promise<void> {
    await Promise.all(this.list().map((job) => job.close()));
  }
}

function keyOf(client: SumoClient, id: string): string {
  return `${client.apiUrl}\n${client.config.accessId}\n${id}`;
}

/** The process-wide registry the search operations use. */
export const searchJobRegistry = new SearchJobRegistry();
