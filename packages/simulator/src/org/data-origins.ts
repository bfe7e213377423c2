import { wildcardRegExp } from '../search/text-match.js';
import type { HealthResource } from './health-events.js';
import { parseHexId } from './hex-id.js';
import type { SimCollector, SimSource } from './model.js';

/** A span of simulated time, [from, to), in which data stopped; `to` is Infinity while it lasts. */
export interface DataHalt<Cause> {
  cause: Cause;
  from: number;
  to: number;
}

/** [from, to) in simulated epoch ms. */
export type Span = readonly [from: number, to: number];

/**
 * One stream of log messages the org sends to search: a source of an Installed or Hosted
 * Collector, or an OpenTelemetry collector's own logs. The fields are the search metadata its
 * messages carry; `silences` are the spans in which it sent nothing.
 */
export interface DataOrigin {
  collector: string;
  collectorId: number;
  source: string;
  sourceId: number;
  sourceType: string;
  sourceCategory: string;
  sourceHost: string;
  sourceName: string;
  silences: Span[];
}

/** What stops a source's data besides its collector being offline: health incidents and budgets. */
export interface DataStoppers {
  healthHalts: readonly DataHalt<HealthResource>[];
  budgetStops: readonly DataHalt<string>[];
}

/**
 * A source's stream, as search sees it: `_sourceCategory` and `_sourceHost` fall back to the
 * collector's when the source sets none; a file source is named after the file it reads.
 */
export function sourceOrigin(
  collector: SimCollector,
  source: SimSource,
  collectorSilences: readonly Span[],
  stoppers: DataStoppers,
): DataOrigin {
  const origin: DataOrigin = {
    collector: collector.name,
    collectorId: collector.id,
    source: source.name,
    sourceId: source.id,
    sourceType: source.sourceType,
    sourceCategory: stringField(source, 'category') ?? collector.category ?? '',
    sourceHost: stringField(source, 'hostName') ?? collector.hostName ?? '',
    sourceName: stringField(source, 'pathExpression')?.replaceAll('*', 'current') ?? source.name,
    silences: [...collectorSilences],
  };
  for (const { cause, from, to } of stoppers.healthHalts) {
    const mine =
      (cause.type === 'Source' && cause.sourceId === source.id && cause.collectorId === collector.id) ||
      (cause.type === 'Collector' && cause.collectorId === collector.id);
    if (mine) origin.silences.push([from, to]);
  }
  const fields = scopeFields(origin, collector, source);
  for (const { cause, from, to } of stoppers.budgetStops) {
    if (inScope(cause, fields)) origin.silences.push([from, to]);
  }
  return origin;
}

/** An OpenTelemetry collector's logs: one stream named after the collector, with no source id. */
export function otCollectorOrigin(
  collector: { id: string; name: string; category?: string; systemInfo: { hostName: string } },
  collectorSilences: readonly Span[],
  stoppers: DataStoppers,
): DataOrigin {
  const origin: DataOrigin = {
    collector: collector.name,
    collectorId: parseHexId(collector.id) ?? 0,
    source: 'otlp',
    sourceId: 0,
    sourceType: 'OpenTelemetry',
    sourceCategory: collector.category ?? `otel/${collector.name}`,
    sourceHost: collector.systemInfo.hostName,
    sourceName: 'otlp',
    silences: [...collectorSilences],
  };
  for (const { cause, from, to } of stoppers.healthHalts) {
    if (cause.type === 'OtCollector' && cause.id === collector.id) origin.silences.push([from, to]);
  }
  const fields = new Map([
    ['_sourcecategory', origin.sourceCategory],
    ['_collector', origin.collector],
    ['_source', origin.source],
    ['_sourcehost', origin.sourceHost],
  ]);
  for (const { cause, from, to } of stoppers.budgetStops) {
    if (inScope(cause, fields)) origin.silences.push([from, to]);
  }
  return origin;
}

/** The fields a budget scope can name: the metadata fields and the collector's and source's own fields. */
function scopeFields(origin: DataOrigin, collector: SimCollector, source: SimSource): Map<string, string> {
  const fields = new Map<string, string>();
  for (const own of [collector.fields, source.fields]) {
    if (typeof own !== 'object' || own === null || Array.isArray(own)) continue;
    for (const [key, value] of Object.entries(own)) fields.set(key.toLowerCase(), String(value));
  }
  fields.set('_sourcecategory', origin.sourceCategory);
  fields.set('_collector', origin.collector);
  fields.set('_source', origin.source);
  fields.set('_sourcehost', origin.sourceHost);
  fields.set('_sourcename', origin.sourceName);
  return fields;
}

/**
 * A budget scope is one `key=value` constraint (`_sourceCategory=*prod*payment*`, `cluster=kafka`):
 * the value may use `*`, and matching ignores case as search does. Anything else matches nothing.
 */
export function inScope(scope: string, fields: ReadonlyMap<string, string>): boolean {
  const equals = scope.indexOf('=');
  if (equals <= 0) return false;
  const value = fields.get(scope.slice(0, equals).trim().toLowerCase());
  if (value === undefined) return false;
  const pattern = scope
    .slice(equals + 1)
    .trim()
    .replace(/^"(.*)"$/, '$1');
  return wildcardRegExp(pattern, true).test(value);
}

function stringField(source: SimSource, field: string): string | undefined {
  const value = source[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
