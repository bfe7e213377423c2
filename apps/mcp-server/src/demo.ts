import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { sparkline } from '@sumo-ops/core';

/**
 * `pnpm demo`: a scripted tour through a real MCP client against the built server in demo mode,
 * over stdio, as an assistant would use it. Printed for a person; the JSON stays behind the scenes.
 */
type Data = Record<string, unknown>;

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));
const bold = (text: string) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\u001b[2m${text}\u001b[0m` : text);

function heading(text: string): void {
  console.log(`\n${bold(text)}\n${'─'.repeat(Math.min(78, text.length))}`);
}

function say(text: string): void {
  console.log(text);
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    say(dim('  (none)'));
    return;
  }
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? '' : String(value);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  };
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  const line = (values: string[]) =>
    `  ${values.map((value, index) => value.padEnd(widths[index] ?? 0)).join('  ')}`;
  say(line(columns));
  say(dim(line(widths.map((width) => '─'.repeat(width)))));
  for (const row of rows) say(line(columns.map((column) => cell(row[column]))));
}

async function main(): Promise<void> {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--demo'],
    env: { LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'sumo-ops-demo', version: '1.0.0' });
  try {
    await client.connect(transport);
    await tour(client);
  } catch (error) {
    if (stderr.length > 0) process.stderr.write(`\nServer output:\n${stderr.join('')}`);
    throw error;
  } finally {
    await client.close();
  }
}

async function call(
  client: Client,
  name: string,
  args: Data,
  onProgress?: (message: string) => void,
): Promise<Data> {
  const result = (await client.callTool(
    { name, arguments: args },
    undefined,
    onProgress ? { onprogress: (progress) => onProgress(progress.message ?? `${progress.progress}`) } : {},
  )) as CallToolResult;
  const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
  if (result.isError) throw new Error(`${name} failed:\n${text}`);
  return result.structuredContent as Data;
}

async function tour(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  const info = client.getServerVersion();
  heading(`sumo-ops MCP server ${info?.version ?? ''} — demo against the built-in Sumo Logic simulator`);
  say('Every answer below comes from a real MCP client talking to the server over stdio; the server');
  say(`talks to a simulated org over HTTP (results say "source: simulator (demo)").`);

  heading(`1. The ${tools.length} tools an assistant sees`);
  table(tools.map(toolRow), ['tool', 'kind', 'what it does']);

  heading('2. Find collectors that have been offline for 100+ days (list_offline_collectors)');
  const offline = await call(client, 'list_offline_collectors', { aliveBeforeDays: 100, limit: 10 });
  const offlineItems = offline.items as Data[];
  table(offlineItems, ['id', 'name', 'collectorVersion', 'offlineDays']);
  if (offline.nextOffset !== null) say(dim(`  … more on the next page (nextOffset ${offline.nextOffset})`));

  heading('3. Delete them: preview first, act only after confirmation (delete_offline_collectors)');
  const preview = await call(client, 'delete_offline_collectors', { aliveBeforeDays: 100 });
  say(`First call → status ${bold(String(preview.status))}: nothing has been deleted yet.`);
  const previewed = preview.preview as { summary: string; warnings: string[] };
  say(`  Preview: ${previewed.summary}`);
  for (const warning of previewed.warnings) say(`  Warning: ${warning}`);
  say(
    `  Token:   ${String(preview.confirmationToken).slice(0, 24)}… (single use, expires ${preview.expiresAt})`,
  );
  say(dim('  The assistant shows this to the person, who says "yes, delete them".'));
  const deleted = await call(client, 'delete_offline_collectors', {
    aliveBeforeDays: 100,
    confirmationToken: preview.confirmationToken,
  });
  say(
    `Second call with the token → status ${bold(String(deleted.status))}: ${(deleted.result as Data).message}`,
  );
  const reused = await client.callTool({
    name: 'delete_offline_collectors',
    arguments: { aliveBeforeDays: 100, confirmationToken: preview.confirmationToken },
  });
  say(`Same token again → refused (isError: ${reused.isError === true}).`);
  // The service deletes them shortly after the call; the simulator's clock runs 60 times faster.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await call(client, 'list_offline_collectors', { aliveBeforeDays: 100 });
  say(`Offline 100+ days now: ${(after.items as Data[]).length} (was ${offlineItems.length}).`);

  heading('4. Upgrade a collector and follow it to completion (upgrade_collector, get_upgrade_status)');
  const upgradable = (await call(client, 'list_upgradable_collectors', { limit: 2 })).items as Data[];
  if (upgradable.length === 0) throw new Error('The demo org has no upgradable collector.');
  // Some simulated collectors fail their upgrade, as real ones do; the tour then tries a second one.
  for (const target of upgradable) {
    const upgradePreview = await call(client, 'upgrade_collector', { collector: target.id });
    say(`Preview: ${(upgradePreview.preview as Data).summary}`);
    say(dim('  The person confirms.'));
    const started = await call(client, 'upgrade_collector', {
      collector: target.id,
      confirmationToken: upgradePreview.confirmationToken,
    });
    const task = started.result as Data;
    say(`Upgrade task ${task.taskId} started (${task.statusName}); following it with get_upgrade_status:`);
    const finished = await call(
      client,
      'get_upgrade_status',
      { taskId: task.taskId, wait: true },
      (message) => say(dim(`  progress: ${message}`)),
    );
    if (finished.statusName === 'succeeded') {
      say(`Finished: ${bold('succeeded')} — ${target.name} now runs ${finished.toVersion}.`);
      break;
    }
    say(`Finished: ${bold(String(finished.statusName))} — ${finished.message ?? 'no reason given'}`);
  }

  heading('5. Search logs and read the summary, not thousands of messages (run_search)');
  const search = await call(client, 'run_search', { query: 'error', from: '-1h', limit: 3 }, (message) =>
    say(dim(`  progress: ${message}`)),
  );
  const summary = search.summary as Data;
  say(`Query "error" over ${summary.from} → ${summary.to}: ${bold(String(summary.messageCount))} messages.`);
  const histogram = summary.histogram as { counts: number[] };
  say(`Histogram: ${sparkline(histogram.counts)}`);
  const top =
    (summary.topValues as Record<string, Array<{ value: string; count: number }>> | undefined) ?? {};
  for (const [facet, values] of Object.entries(top)) {
    say(`Top ${facet} (of ${summary.sampledMessages} sampled):`);
    table(values.slice(0, 3), ['value', 'count']);
  }
  say('Newest messages:');
  table(
    (search.items as Array<{ time?: string; raw?: string }>).map((item) => ({
      time: item.time,
      message: item.raw,
    })),
    ['time', 'message'],
  );
  const bytes = Buffer.byteLength(JSON.stringify(search));
  say(
    dim(`The whole answer is ${bytes.toLocaleString('en')} bytes; the job was deleted when the call ended.`),
  );

  heading('6. Why is a collector unwell? One call, causes ranked (diagnose_collector)');
  const health = await call(client, 'list_health_events', { severity: 'Error', limit: 3 });
  say(`Sumo's unresolved health events: ${JSON.stringify((health.counts as Data).bySeverity)}`);
  table(health.items as Data[], ['eventName', 'resourceName', 'collectorName', 'error']);
  const s3 = (health.items as Data[]).find((event) => event.resourceType === 'Source');
  const subject = s3?.collectorId ?? 'otel-staging-api-01';
  const diagnosis = await call(client, 'diagnose_collector', { collector: subject });
  const who = diagnosis.collector as Data;
  say(`${bold(String(who.name))} (${who.kind}), ${diagnosis.apiCalls} API calls:`);
  table(diagnosis.causes as Data[], ['cause', 'nextStep']);

  heading('Done');
  say('Add the server to your MCP client: see apps/mcp-server/README.md.');
}

function toolRow(tool: Tool) {
  const hints = tool.annotations ?? {};
  const kind = hints.readOnlyHint ? 'read' : hints.destructiveHint ? 'destructive' : 'write';
  return { tool: tool.name, kind, 'what it does': tool.title };
}

main().catch((error: unknown) => {
  process.stderr.write(
    `\nThe demo could not finish: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
