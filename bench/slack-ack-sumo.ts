/**
 * The Sumo stand-in of one bot in bench/slack-ack, in a process of its own as Sumo is: the
 * simulator with Sumo's real limits (4 requests/s, 10 in flight) and an org of the collectors the
 * parent asks for. Its rate limiter then stamps each request when it really arrives, not when the
 * bench's event loop (the fake Slack, the senders of 100 requests at once, the other bot's
 * simulator) gets round to it.
 *
 * Protocol over the IPC channel: → `SumoReady` once listening; ← `{ type: 'counters' }` (one
 * question at a time) → `SumoCounters`, what the simulator counted so far; on disconnect it closes.
 */
import { type SimulatorCounters, startSimulator } from '@sumo-ops/simulator';

export interface SumoReady {
  type: 'ready';
  apiUrl: string;
  /** The org's collector ids, in the simulator's order. */
  collectorIds: number[];
}

export interface SumoCounters extends Pick<SimulatorCounters, 'total' | 'rateLimited' | 'byRoute'> {
  type: 'counters';
}

const { collectors } = JSON.parse(process.env.SLACK_ACK_SUMO ?? '{}') as { collectors: number };
const sim = await startSimulator({ org: { collectors } });
process.on('message', (message: { type: string }) => {
  if (message.type !== 'counters') return;
  const { total, rateLimited, byRoute } = sim.counters;
  process.send?.({ type: 'counters', total, rateLimited, byRoute } satisfies SumoCounters);
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
process.send?.({
  type: 'ready',
  apiUrl: sim.apiUrl,
  collectorIds: sim.org.collectors().map((collector) => collector.id),
} satisfies SumoReady);
