import {
  isOutcomeUnknown,
  isSumoApiError,
  OperationError,
  OperationInputError,
  redactText,
  unknownOutcomeCause,
} from '@sumo-ops/core';
import type { Reply } from './help.js';
import type { Block } from './limits.js';
import { code, context, escapeMrkdwn, section } from './text.js';

/** Why something failed, in words a person on call can act on; never a stack, never a secret. */
export function describeError(error: unknown): string {
  if (isSumoApiError(error)) {
    const request = error.requestId ? ` (request id ${error.requestId})` : '';
    if (isOutcomeUnknown(error)) {
      return redactText(
        `The request reached Sumo Logic, but ${unknownOutcomeCause(error)}${request}, so whether it took effect is unknown. Check with a read command (e.g. \`/sumo collector <name>\`, \`/sumo collectors\` or \`/sumo sources <collector>\`) before trying again, or it may happen twice.`,
      );
    }
    return redactText(`Sumo Logic answered ${error.status} ${error.code}: ${error.message}${request}`);
  }
  if (error instanceof OperationError) return redactText(`${error.message} (${error.code})`);
  if (error instanceof OperationInputError) return redactText(error.message);
  if (error instanceof Error) return redactText(error.message);
  return 'An unexpected error happened.';
}

export function errorMessage(what: string, error: unknown): Reply {
  const reason = describeError(error);
  // "Failed" would invite a retry of something that may have happened: say it is unknown.
  const [icon, verdict] = isOutcomeUnknown(error)
    ? [':warning:', 'may or may not have happened']
    : [':x:', 'failed'];
  return {
    text: `${escapeMrkdwn(what)} ${verdict}: ${escapeMrkdwn(reason)}`,
    blocks: [
      section(
        `${icon} ${what.startsWith('/') ? code(what) : `*${escapeMrkdwn(what)}*`} ${verdict}.\n${escapeMrkdwn(reason)}`,
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
