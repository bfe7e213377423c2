import { redactText, redactValue } from '@sumo-ops/core';

/** `unknown`: the request was sent but its answer was lost, so whether it took effect is not known. */
export type AuditOutcome = 'succeeded' | 'failed' | 'unknown' | 'cancelled' | 'expired' | 'refused';

export interface AuditEntry {
  /** Slack user id of the person who acted (asked, confirmed, cancelled or was refused). */
  user: string;
  /** Who asked, when someone else clicked. */
  requestedBy?: string | undefined;
  channel: string;
  subcommand: string;
  /** The org acted on, with an orgs file. */
  org?: string | undefined;
  operation: string;
  kind: string;
  input: unknown;
  preview?: unknown;
  outcome: AuditOutcome;
  /** Why it failed or was refused. */
  reason?: string | undefined;
  result?: unknown;
}

export type AuditWriter = (line: string) => void;

/**
 * One JSON line on stdout per write or destructive action, whatever its outcome: the record of
 * who changed what from Slack. Logs go to stderr, so stdout carries nothing but audit lines.
 * Everything passes through the redactor first.
 */
export class AuditLog {
  constructor(
    private readonly write: AuditWriter = (line) => process.stdout.write(line),
    private readonly now: () => number = Date.now,
  ) {}

  record(entry: AuditEntry): void {
    const line = { audit: 'sumo-ops.slack', time: new Date(this.now()).toISOString(), ...entry };
    this.write(`${redactText(JSON.stringify(redactValue(line)))}\n`);
  }
}
