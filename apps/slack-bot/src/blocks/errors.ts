import { isSumoApiError, OperationError, OperationInputError, redactText } from '@sumo-ops/core';
import type { Reply } from './help.js';
import type { Block } from './limits.js';
import { code, context, escapeMrkdwn, section } from './text.js';

/** Why something failed, in words a person on call can act on; never a stack, never a secret. */
export function describeError(error: unknown): string {
  if (isSumoApiError(error)) {
    const request = error.requestId ? ` (request id ${error.requestId})` : '';
    return redactText(`Sumo Logic answered ${error.status} ${error.code}: ${error.message}${request}`);
  }
  if (error instanceof OperationError) return redactText(`${error.message} (${error.code})`);
  if (error instanceof OperationInputError) return redactText(error.message);
  if (error instanceof Error) return redactText(error.message);
  return 'An unexpected error happened.';
}

export function errorMessage(what: string, error: unknown): Reply {
  const reason = describeError(error);
  return {
    text: `${what} failed: ${reason}`,
    blocks: [
      section(
        `:x: ${what.startsWith('/') ? code(what) : `*${escapeMrkdwn(what)}*`} failed.\n${escapeMrkdwn(reason)}`,
      ),
    ],
  };
}

export function refusalMessage(reason: string): Reply {
  return { text: reason, blocks: [section(`:no_entry: ${reason}`)] };
}

export function noteBlock(notes: string[]): Block[] {
  return notes.length > 0 ? [context(...notes.map(escapeMrkdwn))] : [];
}
