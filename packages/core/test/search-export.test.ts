import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedSumo, startSimulatedSumo } from '../../../test/support/simulated-sumo.js';
import { csvCell, exportSearchResults, SearchSummaryBuilder, withSearchJob } from '../src/index.js';
import { FAST, HOUR } from './support/search.js';

let sumo: SimulatedSumo | undefined;
afterEach(async () => {
  await sumo?.close();
  sumo = undefined;
});

/** A sink that takes 2 ms per chunk and records how much was ever waiting in its buffer. */
function slowSink(highWaterMark: number) {
  const chunks: string[] = [];
  let maxBuffered = 0;
  const sink = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      chunks.push(chunk);
      setTimeout(done, 2);
    },
  });
  const write = sink.write.bind(sink);
  sink.write = ((chunk: string) => {
    const accepted = write(chunk);
    maxBuffered = Math.max(maxBuffered, sink.writableLength);
    return accepted;
  }) as typeof sink.write;
  return { sink, text: () => chunks.join(''), maxBuffered: () => maxBuffered };
}

async function simulator(gatheringSpeed = 1_000_000) {
  const corpusTo = Date.now() - HOUR;
  sumo = await startSimulatedSumo({
    search: {
      corpusSize: 12_000,
      corpusTo,
      corpusFrom: corpusTo - 24 * HOUR,
      startDelayMs: 0,
      gatheringSpeed,
    },
  });
  return { sumo, range: { from: corpusTo - 24 * HOUR, to: corpusTo } };
}

describe('streaming search results', () => {
  it('writes NDJSON while the job runs, waiting for the sink to drain', async () => {
    const { sumo, range } = await simulator(8_000);
    const { sink, text, maxBuffered } = slowSink(64 * 1024);
    const summary = new SearchSummaryBuilder();
    const states = new Set<string>();
    const result = await withSearchJob(
      sumo.client,
      { query: '*', ...range },
      async (job) => {
        const exported = await exportSearchResults(job, sink, {
          format: 'ndjson',
          pageSize: 3_000,
          onPage: (page) => {
            states.add(job.snapshot().state);
            summary.addMessages(page.rows);
          },
        });
        expect(summary.build(job.snapshot(), job.request).sampledMessages).toBe(12_000);
        return exported;
      },
      FAST,
    );
    expect(states.has('GATHERING RESULTS')).toBe(true);
    // The export hands every row to the stream; the caller owns it and waits for it to flush.
    sink.end();
    await finished(sink);
    const lines = text().trimEnd().split('\n');
    expect(result.rows).toBe(12_000);
    expect(lines).toHaveLength(12_000);
    expect(result.bytes).toBe(Buffer.byteLength(text()));
    expect(JSON.parse(lines[0] as string)).toHaveProperty('_raw');
    // One chunk of 1,000 rows at most sits in the buffer: paging waited for 'drain'.
    expect(maxBuffered()).toBeLessThan(64 * 1024 + 1_000 * 2_000);
    expect(maxBuffered()).toBeLessThan(result.bytes / 4);
    expect(sumo.sim.search.activeJobCount()).toBe(0);
  });

  it('writes CSV with the fields as header and RFC 4180 quoting', async () => {
    const { sumo, range } = await simulator();
    const { sink, text } = slowSink(16 * 1024);
    await withSearchJob(
      sumo.client,
      { query: '_sourceCategory=prod/web/nginx', ...range },
      async (job) => {
        await job.waitUntilDone();
        await exportSearchResults(job, sink, { format: 'csv', limit: 500 });
      },
      FAST,
    );
    sink.end();
    await finished(sink);
    const lines = text().trimEnd().split('\n');
    expect(lines[0]?.split(',')).toContain('_raw');
    expect(lines).toHaveLength(501);
    // nginx lines hold quotes, so every _raw cell is quoted with inner quotes doubled.
    expect(lines[1]).toMatch(/,"[^"]*""GET [^"]*""/);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('stops and deletes the job when the sink fails', async () => {
    const { sumo, range } = await simulator();
    const sink = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, done) {
        setTimeout(() => done(new Error('disk full')), 1);
      },
    });
    sink.on('error', () => undefined);
    const error = await withSearchJob(
      sumo.client,
      { query: '*', ...range },
      (job) => exportSearchResults(job, sink, { format: 'ndjson' }),
      FAST,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(sumo.sim.search.activeJobCount()).toBe(0);
  });
});
