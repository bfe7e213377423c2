import {
  type AnyOperation,
  type Diagnosis,
  type Freshness,
  freshnessNote,
  isSumoApiError,
  type Logger,
  type OperationCatalog,
  OT_LIVENESS_NOTE,
  type SharedReads,
  type SumoClient,
} from '@sumo-ops/core';
import type { Reply } from '../blocks/help.js';
import { fitBlocks, LIMITS, RESERVED_TEXT } from '../blocks/limits.js';
import { resultBlocks } from '../blocks/result.js';
import { operationContext } from '../context.js';
import { diagnosingMessage, diagnosisBlocks, diagnosisText } from './diagnosis-blocks.js';
import { type HealthEventsAnswer, healthEventsBlocks, severityLine } from './events-blocks.js';
import {
  type OfflineAnswer,
  type OtCollectorPage,
  offlineBlocks,
  otCollectorPageBlocks,
  otSectionBlocks,
} from './fleet-blocks.js';

/** What answering a read command needs: the catalog and a client to run it with. */
export interface ReadDeps {
  catalog: OperationCatalog;
  sumo: SumoClient;
  logger: Logger;
  /** Where identical reads meet (the stores' `reads`). */
  reads?: SharedReads | undefined;
}

export interface ReadAnswerOptions {
  /** Shows a message while a slow read runs; the answer then replaces it. */
  interim?(reply: Reply): Promise<unknown>;
}

export interface ReadAnswer extends Reply {
  /** The answer replaces the interim message that was shown. */
  replacesInterim?: boolean;
  /** How old a reused answer is (shared reads), to show under it; absent when read just now. */
  age?: string | undefined;
}

/** OT collectors named under `/sumo collectors`; the count beside them is the whole fleet's. */
const OT_BESIDE_INSTALLED = 20;
/** `/sumo collectors` filters that OT collectors can answer too (they are neither installed nor hosted). */
const OT_ALIVE_BY_FILTER: Readonly<Record<string, boolean | undefined>> = {
  all: undefined,
  alive: true,
  dead: false,
};

/**
 * Runs a read operation and renders its answer: fleet health and OT collectors have their own
 * views, every other operation the generic one. `/sumo collectors` also asks for the OT
 * collectors of the same liveness (one more API call), so the fleet is answered whole.
 */
export async function readAnswer(
  deps: ReadDeps,
  operation: AnyOperation,
  input: unknown,
  options: ReadAnswerOptions = {},
): Promise<ReadAnswer> {
  let freshness: Freshness | undefined;
  const run = async (name: string, operationInput: unknown) => {
    const answer = await deps.catalog.answer(name, operationContext(deps, name), operationInput);
    if (name === operation.name) freshness = answer.freshness;
    return answer.result;
  };
  const reply = await renderRead(deps, operation, input, options, run);
  const age = freshnessNote(freshness);
  return age ? { ...reply, age } : reply;
}

async function renderRead(
  deps: ReadDeps,
  operation: AnyOperation,
  input: unknown,
  options: ReadAnswerOptions,
  run: (name: string, operationInput: unknown) => Promise<unknown>,
): Promise<ReadAnswer> {
  const done = `${operation.title}: done`;
  switch (operation.name) {
    case 'list_health_events': {
      const answer = (await run(operation.name, input)) as HealthEventsAnswer;
      const { collector } = input as { collector?: string | number };
      return {
        text: `Health events: ${severityLine(answer.counts.bySeverity)}`,
        blocks: healthEventsBlocks(answer, collector),
      };
    }
    case 'diagnose_collector': {
      // Its search waits for Sumo Logic (seconds, up to its time budget): say at once that it runs.
      const collector = (input as { collector: string | number }).collector;
      if (options.interim) await options.interim(diagnosingMessage(collector));
      const diagnosis = (await run(operation.name, input)) as Diagnosis;
      return {
        text: diagnosisText(diagnosis),
        blocks: diagnosisBlocks(diagnosis),
        replacesInterim: options.interim !== undefined,
      };
    }
    case 'list_offline_collectors':
      return {
        text: done,
        blocks: offlineBlocks(operation.title, (await run(operation.name, input)) as OfflineAnswer),
      };
    case 'list_ot_collectors':
      return {
        text: done,
        blocks: otCollectorPageBlocks(operation.title, (await run(operation.name, input)) as OtCollectorPage),
      };
    case 'list_collectors': {
      const { filter, offset } = input as { filter: string; offset: number };
      const withOt = offset === 0 && filter in OT_ALIVE_BY_FILTER && deps.catalog.get('list_ot_collectors');
      const [result, ot] = await Promise.all([
        run(operation.name, input),
        withOt ? otBeside(deps, OT_ALIVE_BY_FILTER[filter]) : undefined,
      ]);
      const blocks = [...resultBlocks(operation, result), ...(ot ?? [])];
      return { text: done, blocks: fitBlocks(blocks, LIMITS.totalText - RESERVED_TEXT) };
    }
    default:
      return { text: done, blocks: resultBlocks(operation, await run(operation.name, input)) };
  }
}

/** The OT collectors of a liveness, as a section under installed ones; a refusal is said, not thrown. */
async function otBeside(deps: ReadDeps, alive: boolean | undefined) {
  const name = 'list_ot_collectors';
  const title =
    alive === undefined
      ? 'OpenTelemetry collectors'
      : `OpenTelemetry collectors, ${alive ? 'alive' : 'offline'}`;
  try {
    const input = deps.catalog.parseInput(name, { limit: OT_BESIDE_INSTALLED, alive });
    const page = (await deps.catalog.run(name, operationContext(deps, name), input)) as OtCollectorPage;
    return otSectionBlocks(title, {
      count: page.total ?? (page.next ? undefined : page.items.length),
      items: page.items,
      note: `${OT_LIVENESS_NOTE} \`/sumo list-ot-collectors\` lists them all.`,
    });
  } catch (error) {
    if (!isSumoApiError(error)) throw error;
    return otSectionBlocks(title, {
      note: `OT collectors could not be read (${error.status} ${error.code}); installed and hosted collectors only.`,
    });
  }
}
