import type { AuditSubject, OperationKind } from '@sumo-ops/core';
import type { ScopeNames } from './settings.js';

/** Who sent a request, as the transport's authentication established it. */
export interface Caller extends AuditSubject {
  /** The OAuth client the person used (`client_id`/`azp`), when the token says. */
  clientId?: string | undefined;
  /** Scopes the token grants; undefined when access is not limited by scopes (the static token). */
  scopes?: readonly string[] | undefined;
}

/** Every holder of MCP_HTTP_TOKEN is the same caller: the token names nobody. */
export const STATIC_TOKEN_CALLER: Caller = { subject: 'static-bearer-token' };

/** The scope a tool of this kind needs: reading needs the read scope, any change the write scope. */
export function scopeFor(kind: OperationKind, names: ScopeNames): string {
  return kind === 'read' ? names.read : names.write;
}

/** Whether the caller's token lets it use a tool of this kind; callers without scopes are not limited. */
export function mayUse(caller: Caller | undefined, kind: OperationKind, names: ScopeNames): boolean {
  return caller?.scopes === undefined || caller.scopes.includes(scopeFor(kind, names));
}

/** The caller as an audit record names them: no scopes, no client secrets, no token. */
export function auditSubjectOf(caller: Caller | undefined): AuditSubject | undefined {
  if (!caller) return undefined;
  return {
    subject: caller.subject,
    ...(caller.email ? { email: caller.email } : {}),
    ...(caller.username ? { username: caller.username } : {}),
  };
}
