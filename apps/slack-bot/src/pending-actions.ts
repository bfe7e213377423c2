import { randomBytes } from 'node:crypto';
import { metrics, type OperationPreview, type StateBackend } from '@sumo-ops/core';

export const CONFIRMATION_TTL_MS = 10 * 60_000;

/** A write or destructive command waiting for its requester's click. Only its id leaves the server. */
export interface PendingAction {
  id: string;
  userId: string;
  channelId: string;
  subcommand: string;
  /** The command as typed, shown again when the outcome replaces the buttons. */
  commandText: string;
  operation: string;
  /** Validated input: the button carries only the id, so a forged payload cannot change it. */
  input: unknown;
  preview: OperationPreview;
  /** The org previewed (with an orgs file): the click acts there, whatever the channel's org is by then. */
  org?: string | undefined;
  createdAt: number;
}

export type ClaimResult =
  | { status: 'claimed'; action: PendingAction }
  | { status: 'unknown' }
  | { status: 'handled' }
  | { status: 'expired'; action: PendingAction }
  | { status: 'not-requester'; action: PendingAction };

const pendingKey = (id: string) => `slack:pending:${id}`;
const handledKey = (id: string) => `slack:handled:${id}`;

/**
 * Pending confirmations, claimed at most once, kept in the state backend: in this process by
 * default, in Redis when replicas share it, so a click reaching any replica — or this one after a
 * restart — finds its action. A claim reads the action, checks the requester (someone else's click
 * must not use it up), then takes it with one atomic read-and-delete: of several racing claimers,
 * on any replicas, exactly one gets it and the others see `handled`. Handled ids are remembered
 * for as long as a click could still arrive, so a replayed click is `handled`, not `unknown`.
 * While Redis is unreachable, `create` and `claim` throw `SharedStateUnavailableError`: nothing
 * is taken, and the action can be claimed once Redis answers again.
 */
export class PendingActions {
  constructor(
    private readonly backend: StateBackend,
    private readonly now: () => number = Date.now,
    readonly ttlMs = CONFIRMATION_TTL_MS,
  ) {}

  async create(action: Omit<PendingAction, 'id' | 'createdAt'>): Promise<PendingAction> {
    const created = { ...action, id: randomBytes(18).toString('base64url'), createdAt: this.now() };
    // Kept past its lifetime so that a late click is told "expired" rather than "unknown".
    await this.backend.set(pendingKey(created.id), JSON.stringify(created), { ttlMs: this.ttlMs * 2 });
    metrics.confirmations.inc({ front_end: 'slack', event: 'issued' });
    return created;
  }

  /** Takes the action for `userId` if they asked for it and it has not expired. */
  async claim(id: string, userId: string): Promise<ClaimResult> {
    const stored = await this.backend.get(pendingKey(id));
    if (stored === undefined) return this.#gone(id);
    const action = JSON.parse(stored) as PendingAction;
    if (action.userId !== userId) return { status: 'not-requester', action };
    // Marked handled before the take: if the take's answer is lost, a retry says "handled"
    // instead of "unknown", and if the take never happened the action is still there to claim.
    await this.backend.set(handledKey(id), '1', { ttlMs: this.ttlMs * 2 });
    if ((await this.backend.take(pendingKey(id))) === undefined) return { status: 'handled' };
    if (this.now() - action.createdAt > this.ttlMs) {
      metrics.confirmations.inc({ front_end: 'slack', event: 'expired' });
      return { status: 'expired', action };
    }
    metrics.confirmations.inc({ front_end: 'slack', event: 'redeemed' });
    return { status: 'claimed', action };
  }

  async #gone(id: string): Promise<ClaimResult> {
    return (await this.backend.get(handledKey(id))) === undefined
      ? { status: 'unknown' }
      : { status: 'handled' };
  }
}
