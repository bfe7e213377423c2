/**
 * The Sumo stand-in of bench/quick-search, in a process of its own as Sumo is: the simulator at
 * Sumo's limits with 20 ms of latency on every call. Its CPU work (scanning, rendering pages) then
 * never delays the timers of the pollers it serves. The parent sends `{ jobDurationMs }` before
 * each case; the answer `{ type: 'set' }` says jobs created from now on take that long.
 */
import { REAL_RATE_LIMIT, startSimulator } from '@sumo-ops/simulator';

const { credentials, corpus, latencyMs, startDelayMs } = JSON.parse(
  process.env.QUICK_SEARCH_SUMO ?? '{}',
) as {
  credentials: { accessId: string; accessKey: string }[];
  corpus: { size: number; from: number; to: number };
  latencyMs: number;
  startDelayMs: number;
};
const sim = await startSimulator({
  credentials,
  rateLimit: { ...REAL_RATE_LIMIT },
  search: { corpusSize: corpus.size, corpusFrom: corpus.from, corpusTo: corpus.to, startDelayMs },
});
sim.setFaults({ latencyMs });
process.on('message', (message: { jobDurationMs: number }) => {
  sim.search.setJobDurationMs(message.jobDurationMs);
  process.send?.({ type: 'set' });
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
process.send?.({ type: 'ready', apiUrl: sim.apiUrl });
