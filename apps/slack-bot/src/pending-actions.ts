import { randomBytes } from 'node:crypto';
import type { OperationPreview } from '@sumo-ops/core';

export const CONFIRMATION_TTL_MS = 10 * 60_000;

/** A write or destructive command waiting for its requester's click. Only its id leaves the process. */
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
  createdAt: number;
}

export type ClaimResult =
  | { status: 'claimed'; action: PendingAction }
  | { status: 'unknown' }
  | { status: 'handled' }
  | { status: 'expired'; action: PendingAction }
  | { status: 'not-requester'; action: PendingAction };

/**
 * Pending confirmations, claimed at most once. `claim` is synchronous, so two clicks (or a
 * replayed request) racing each other cannot both get the action: the first one wins, the others
 * see `handled`. Handled ids are remembered for as long as a click could still arrive.
 */
export class PendingActions {
  private readonly pending = new Map<string, PendingAction>();
  private readonly handled = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly ttlMs = CONFIRMATION_TTL_MS,
  ) {}

  create(action: Omit<PendingAction, 'id' | 'createdAt'>): PendingAction {
    this.prune();
    const created = { ...action, id: randomBytes(18).toString('base64url'), createdAt: this.now() };
    this.pending.set(created.id, created);
    return created;
  }

  /** Takes the action for `userId` if they asked for it and it has not expired. */
  claim(id: string, userId: string): ClaimResult {
    const action = this.pending.get(id);
    if (!action) return this.handled.has(id) ? { status: 'handled' } : { status: 'unknown' };
    if (action.userId !== userId) return { status: 'not-requester', action };
    this.pending.delete(id);
    this.handled.set(id, this.now());
    if (this.now() - action.createdAt > this.ttlMs) return { status: 'expired', action };
    return { status: 'claimed', action };
  }

  get size(): number {
    return this.pending.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, action] of this.pending) {
      if (now - action.createdAt > this.ttlMs * 2) {
        this.pending.delete(id);
        this.handled.set(id, now);
      }
    }
    for (const [id, at] of this.handled) if (now - at > this.ttlMs * 2) this.handled.delete(id);
  }
}
