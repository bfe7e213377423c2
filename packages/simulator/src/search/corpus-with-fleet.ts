import type { LogCorpus, SearchCorpus } from './corpus.js';
import type { FleetLogs } from './fleet-logs.js';
import type { LogOrigin } from './log-sources.js';

/**
 * The fixed corpus and the org's own logs as one corpus for a scan. Corpus positions keep their
 * meaning; fleet message `k` of the scanned window is at the negative position `base - k - 1`,
 * so a scan's retained positions stay 32-bit whichever stream they come from.
 */
export class CorpusWithFleet implements SearchCorpus {
  readonly origins: readonly LogOrigin[];
  private readonly firstFleetOrigin: number;

  /** `base`: the first fleet message index of the window. */
  constructor(
    readonly corpus: LogCorpus,
    readonly fleet: FleetLogs,
    private readonly base: number,
  ) {
    this.origins = [...corpus.origins, ...fleet.origins];
    this.firstFleetOrigin = corpus.origins.length;
  }

  positionOf(k: number): number {
    return this.base - k - 1;
  }

  fleetIndex(position: number): number {
    return this.base - position - 1;
  }

  /** The origin of fleet message `k`, in this corpus's numbering. */
  fleetOriginAt(k: number): number {
    return this.firstFleetOrigin + this.fleet.originAt(k);
  }

  originAt(position: number): number {
    return position >= 0 ? this.corpus.originAt(position) : this.fleetOriginAt(this.fleetIndex(position));
  }

  timeAt(position: number): number {
    return position >= 0 ? this.corpus.timeAt(position) : this.fleet.timeAt(this.fleetIndex(position));
  }

  receiptTimeAt(position: number): number {
    return position >= 0
      ? this.corpus.receiptTimeAt(position)
      : this.fleet.receiptTimeAt(this.fleetIndex(position));
  }

  rawAt(position: number, origin = this.originAt(position)): string {
    return position >= 0
      ? this.corpus.rawAt(position, origin)
      : this.fleet.rawAt(this.fleetIndex(position), origin - this.firstFleetOrigin);
  }

  messageIdAt(position: number): string {
    return position >= 0
      ? this.corpus.messageIdAt(position)
      : this.fleet.messageIdAt(this.fleetIndex(position));
  }

  blockIdAt(position: number): string {
    return position >= 0 ? this.corpus.blockIdAt(position) : this.fleet.blockIdAt(this.fleetIndex(position));
  }

  messageCountAt(position: number): string {
    return position >= 0
      ? this.corpus.messageCountAt(position)
      : String(this.fleet.sequenceAt(this.fleetIndex(position)));
  }
}
