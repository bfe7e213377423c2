import { type AuditSubject, redactText, redactValue } from '@sumo-ops/core';

/** `unknown`: the request was sent but its answer was lost, so whether it took effect is not known. */
export type AuditOutcome = 'succeeded' | 'failed' | 'unknown' | 'declined' | 'refused';

export interface AuditEntry {
  /** Who acted: the OAuth token's subject (with email/username when it has them), or the static token. */
  caller: AuditSubject;
  /** The OAuth client they used, when the token names one. */
  clientId?: string | undefined;
  tool: string;
  kind: string;
  input: unknown;
  outcome: AuditOutcome;
  /** Why it failed or was refused. */
  reason?: string | undefined;
  result?: unknown;
}

export type AuditWriter = (line: string) => void;

/** Written when no caller was established (stdio, or HTTP on loopback without any token). */
export const LOCAL_CALLER: AuditSubject = { subject: 'local' };

/**
 * One JSON line per attempted write or destructive action, whatever its outcome: the record of who
 * changed what through MCP. Everything passes through the redactor first.
 */
export class AuditLog {
  constructor(
    private readonly write: AuditWriter,
    private readonly now: () => number = Date.now,
  ) {}

  record(entry: AuditEntry): void {
    const line = { audit: 'sumo-ops.mcp', time: new Date(this.now()).toISOString(), ...entry };
    this.write(`${redactText(JSON.stringify(redactValue(line)))}\n`);
  }
}
