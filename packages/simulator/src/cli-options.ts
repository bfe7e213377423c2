import { parseArgs } from 'node:util';
import type { SimulatorOptions } from './server.js';

export const USAGE = `Usage: sumo-ops-simulator [options]

A local stand-in for the Sumo Logic API (collectors, sources, upgrades, search jobs).

Options:
  --port N            port to listen on (default 0: any free port)
  --host HOST         interface to bind (default 127.0.0.1)
  --seed N            seed for the org and injected faults (default 1)
  --collectors N      number of seeded collectors (default 40)
  --messages N        size of the searchable log corpus, generated lazily (default 1000000)
  --corpus-only       search that corpus alone, without the logs the org's own collectors send
  --rate-limit N/s    requests per second per access id (default 4/s; "off" disables limiting)
  --concurrency C     requests in flight per access id (default 10)
  --clock-speed X     simulated time runs X times faster than real time (default 1)
  --help              show this help
`;

export type CliCommand = { kind: 'help' } | { kind: 'start'; options: SimulatorOptions };

/** Throws an Error whose message is fit for the terminal when an argument is invalid. */
export function parseCliArgs(argv: string[]): CliCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      collectors: { type: 'string' },
      messages: { type: 'string' },
      'corpus-only': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      concurrency: { type: 'string' },
      'clock-speed': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return { kind: 'help' };

  const options: SimulatorOptions = {};
  if (values.port !== undefined) options.port = integer('--port', values.port, 0, 65535);
  if (values.host !== undefined) options.host = values.host;
  if (values.seed !== undefined) options.seed = integer('--seed', values.seed, 0, 2 ** 32 - 1);
  if (values.collectors !== undefined) {
    options.org = { collectors: integer('--collectors', values.collectors, 0, 1_000_000) };
  }
  // Searches find what the org's collectors send unless asked not to: diagnosing them needs it.
  options.search = { fleetLogs: values['corpus-only'] !== true };
  if (values.messages !== undefined) {
    options.search.corpusSize = integer('--messages', values.messages, 0, 2 ** 31 - 1);
  }
  const rateLimit: NonNullable<SimulatorOptions['rateLimit']> = {};
  const perSecond = values['rate-limit'];
  if (perSecond === 'off') rateLimit.enabled = false;
  else if (perSecond !== undefined)
    rateLimit.perSecond = integer('--rate-limit', perSecond.replace(/\/s$/, ''), 1);
  if (values.concurrency !== undefined)
    rateLimit.concurrent = integer('--concurrency', values.concurrency, 1);
  if (Object.keys(rateLimit).length > 0) options.rateLimit = rateLimit;
  if (values['clock-speed'] !== undefined) {
    const speed = Number(values['clock-speed']);
    if (!Number.isFinite(speed) || speed <= 0) throw new Error('--clock-speed must be a positive number');
    options.clockSpeed = speed;
  }
  return { kind: 'start', options };
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${flag} must be an integer between ${min} and ${max}, got '${raw}'`);
  }
  return value;
}
