import { DAY_MS, HOUR_MS } from '../durations.js';
import { createRandom, pick, type Random, randomInt } from '../prng.js';
import type { SimCollector, SimSource, UpgradeOutcome } from './model.js';
import {
  commonSourceDefaults,
  generatedSourceFields,
  HOSTED_SOURCE_TYPES,
  seededSourceFields,
} from './source-types.js';

export interface SeededCollector {
  collector: SimCollector;
  sources: SimSource[];
  upgradeOutcome: UpgradeOutcome;
}

export const FIRST_COLLECTOR_ID = 100_000_000;
export const FIRST_SOURCE_ID = 200_000_000;

const ROLES = ['web', 'api', 'db', 'cache', 'worker', 'batch', 'edge', 'ingest', 'auth', 'search'] as const;
const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
const TIME_ZONES = ['UTC', 'Etc/UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo'] as const;

const OPERATING_SYSTEMS = [
  {
    weight: 0.6,
    osName: 'Linux',
    versions: ['5.15.0-1051-aws', '4.14.336-257.562.amzn2.x86_64', '6.8.0-45-generic'],
  },
  { weight: 0.3, osName: 'Windows Server 2019', versions: ['10.0'] },
  { weight: 0.1, osName: 'Mac OS X', versions: ['13.6.1', '14.4'] },
] as const;

const SOURCE_TYPES_BY_OS = {
  unix: ['LocalFile', 'LocalFile', 'RemoteFileV2', 'Syslog', 'SystemStats', 'DockerLog', 'Script'],
  windows: [
    'LocalWindowsEventLog',
    'LocalWindowsPerfMon',
    'RemoteWindowsEventLog',
    'LocalFile',
    'SystemStats',
  ],
} as const;

/**
 * A deterministic org: the same seed, size, version list and start time always give the same
 * collectors, so tests and benchmarks can name what they expect. The mix is what upgrade and
 * clean-up work meets in practice: mostly Linux, some Windows and Macs, a spread of versions
 * with the latest most common, about a third offline — for hours, weeks or many months — a few
 * ephemeral, some managed by local JSON files, and hosted collectors with HTTP/S3/syslog sources.
 */
export function seedOrg(options: {
  seed: number;
  collectors: number;
  versions: readonly string[];
  now: number;
}): { collectors: SeededCollector[]; nextSourceId: number } {
  const random = createRandom(options.seed);
  let nextSourceId = FIRST_SOURCE_ID;
  const allocateSourceId = () => {
    nextSourceId += randomInt(random, 1, 5);
    return nextSourceId;
  };
  const collectors: SeededCollector[] = [];
  let id = FIRST_COLLECTOR_ID;
  for (let index = 0; index < options.collectors; index += 1) {
    id += randomInt(random, 1, 9);
    const seeded =
      random() < 0.2
        ? seedHostedCollector(random, id, index, allocateSourceId)
        : seedInstalledCollector(random, id, index, options, allocateSourceId);
    collectors.push(seeded);
  }
  return { collectors, nextSourceId: nextSourceId + 1 };
}

function seedInstalledCollector(
  random: Random,
  id: number,
  index: number,
  options: { versions: readonly string[]; now: number },
  allocateSourceId: () => number,
): SeededCollector {
  const os = pickWeighted(random, OPERATING_SYSTEMS);
  const isWindows = os.osName.startsWith('Windows');
  const role = pick(random, ROLES);
  const environment = pick(random, ENVIRONMENTS);
  const number = String(index + 1).padStart(3, '0');
  const hostName = isWindows
    ? `WIN-${role.toUpperCase()}-${number}`
    : `ip-10-${randomInt(random, 0, 9)}-${randomInt(random, 0, 255)}-${index % 256}`;
  // Some collectors are named after their FQDN: names with a dot exercise the trailing-slash
  // rule of GET /collectors/name/[name].
  const nameStyle = random();
  const name = isWindows
    ? hostName
    : nameStyle < 0.25
      ? `${role}-${number}.${environment}.acme.internal`
      : `${environment}-${role}-${number}`;

  const ephemeral = random() < 0.1;
  const alive = random() < 0.65;
  const lastSeenAlive = alive ? undefined : options.now - offlineDuration(random, ephemeral);
  const olderVersions = options.versions.slice(0, -1);
  const collectorVersion =
    random() < 0.3 || olderVersions.length === 0
      ? (options.versions.at(-1) ?? '')
      : pick(random, olderVersions);

  const collector: SimCollector = {
    id,
    name,
    collectorType: 'Installable',
    collectorVersion,
    alive,
    ephemeral,
    links: sourcesLink(id),
    ...(lastSeenAlive === undefined ? {} : { lastSeenAlive }),
    hostName,
    timeZone: pick(random, TIME_ZONES),
    category: `${environment}/${role}`,
    ...(random() < 0.4 ? { fields: { _budget: pick(random, ['Dev_20GB', 'Prod_200GB']), team: role } } : {}),
    cutoffTimestamp: 0,
    targetCpu: pick(random, [-1, -1, 20, 50]),
    sourceSyncMode: random() < 0.15 ? 'Json' : 'UI',
    osName: os.osName,
    osVersion: pick(random, os.versions),
    osArch: pick(random, ['amd64', 'amd64', 'aarch64']),
    osTime: randomInt(random, HOUR_MS, 90 * DAY_MS),
  };
  const sourceTypes = isWindows ? SOURCE_TYPES_BY_OS.windows : SOURCE_TYPES_BY_OS.unix;
  const sources = seedSources(
    random,
    randomInt(random, 1, 4),
    sourceTypes,
    hostName,
    os.osName,
    alive,
    allocateSourceId,
  );
  const outcomeDraw = random();
  const upgradeOutcome: UpgradeOutcome =
    outcomeDraw < 0.1 ? 'fail' : outcomeDraw < 0.15 ? 'timeout' : 'succeed';
  return { collector, sources, upgradeOutcome };
}

function seedHostedCollector(
  random: Random,
  id: number,
  index: number,
  allocateSourceId: () => number,
): SeededCollector {
  const purpose = pick(random, ['AWS CloudTrail', 'HTTP Intake', 'Cloud Syslog', 'S3 Archive']);
  const environment = pick(random, ENVIRONMENTS);
  const collector: SimCollector = {
    ...newHostedCollector(id, `${purpose} ${environment} ${index + 1}`),
    description: `${purpose} for ${environment}`,
    category: `${environment}/hosted`,
    timeZone: 'UTC',
    ...(random() < 0.4 ? { fields: { _budget: 'Prod_200GB' } } : {}),
  };
  const sources = seedSources(
    random,
    randomInt(random, 1, 3),
    HOSTED_SOURCE_TYPES,
    'hosted',
    '',
    true,
    allocateSourceId,
  );
  return { collector, sources, upgradeOutcome: 'succeed' };
}

function seedSources(
  random: Random,
  count: number,
  sourceTypes: readonly string[],
  hostName: string,
  osName: string,
  alive: boolean,
  allocateSourceId: () => number,
): SimSource[] {
  return Array.from({ length: count }, (_, index) => {
    const sourceType = pick(random, sourceTypes);
    const id = allocateSourceId();
    return {
      id,
      name: `${sourceType.toLowerCase()}_${index + 1}`,
      category: `${hostName}/${sourceType.toLowerCase()}`,
      hostName,
      ...commonSourceDefaults(),
      ...generatedSourceFields(sourceType, id),
      ...seededSourceFields(random, sourceType, hostName, osName),
      sourceType,
      alive,
    };
  });
}

/** Ephemeral collectors are deleted after 12 hours offline, so a seeded one is offline for less. */
function offlineDuration(random: Random, ephemeral: boolean): number {
  if (ephemeral) return randomInt(random, HOUR_MS, 11 * HOUR_MS);
  const band = random();
  if (band < 0.25) return randomInt(random, HOUR_MS, 2 * DAY_MS);
  if (band < 0.6) return randomInt(random, 3 * DAY_MS, 60 * DAY_MS);
  return randomInt(random, 100 * DAY_MS, 400 * DAY_MS);
}

function sourcesLink(collectorId: number): SimCollector['links'] {
  return [{ rel: 'sources', href: `/v1/collectors/${collectorId}/sources` }];
}

/** What every Hosted Collector starts as, seeded or created over the API; optional fields follow. */
export function newHostedCollector(id: number, name: string): SimCollector {
  return {
    id,
    name,
    collectorType: 'Hosted',
    collectorVersion: '',
    alive: true,
    ephemeral: false,
    links: sourcesLink(id),
  };
}

function pickWeighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  let draw = random();
  for (const item of items) {
    draw -= item.weight;
    if (draw < 0) return item;
  }
  return pick(random, items);
}
