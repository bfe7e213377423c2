import { pick, type Random, randomInt } from '../prng.js';

/** Source types an Installed Collector can run; the others belong on a Hosted Collector. */
export const INSTALLED_SOURCE_TYPES: readonly string[] = [
  'LocalFile',
  'RemoteFileV2',
  'LocalWindowsEventLog',
  'RemoteWindowsEventLog',
  'LocalWindowsPerfMon',
  'Syslog',
  'SystemStats',
  'DockerLog',
  'Script',
];

export const HOSTED_SOURCE_TYPES: readonly string[] = ['HTTP', 'Polling', 'Cloudsyslog'];

export function isSourceTypeAllowed(sourceType: string, collectorType: 'Installable' | 'Hosted'): boolean {
  return (collectorType === 'Installable' ? INSTALLED_SOURCE_TYPES : HOSTED_SOURCE_TYPES).includes(
    sourceType,
  );
}

export function isKnownSourceType(sourceType: string): boolean {
  return INSTALLED_SOURCE_TYPES.includes(sourceType) || HOSTED_SOURCE_TYPES.includes(sourceType);
}

/** The fields the service fills in when a create request leaves them out. */
export function commonSourceDefaults(): Record<string, unknown> {
  return {
    automaticDateParsing: true,
    multilineProcessingEnabled: true,
    useAutolineMatching: true,
    forceTimeZone: false,
    filters: [],
    cutoffTimestamp: 0,
    encoding: 'UTF-8',
  };
}

/** Server-generated, type-specific fields (an HTTP source's URL, a Cloud Syslog token…). */
export function generatedSourceFields(sourceType: string, sourceId: number): Record<string, unknown> {
  const token = Buffer.from(`sim-${sourceId}`).toString('base64url');
  switch (sourceType) {
    case 'HTTP':
      return {
        url: `https://endpoint1.collection.sumologic.com/receiver/v1/http/${token}`,
        messagePerRequest: false,
      };
    case 'Cloudsyslog':
      return { token: `${token}@41123` };
    case 'SystemStats':
      return { contentType: 'HostMetrics', interval: 60000 };
    default:
      return {};
  }
}

/** Realistic type-specific fields for seeded sources. */
export function seededSourceFields(
  random: Random,
  sourceType: string,
  hostName: string,
  osName: string,
): Record<string, unknown> {
  switch (sourceType) {
    case 'LocalFile':
      return {
        pathExpression: pick(random, ['/var/log/nginx/*.log', '/var/log/syslog', '/opt/app/logs/app-*.log']),
        denylist: random() < 0.3 ? ['/var/log/nginx/*.gz'] : [],
      };
    case 'RemoteFileV2':
      return {
        remoteHosts: [`${hostName}-peer-${randomInt(random, 1, 9)}`],
        remotePort: 22,
        remoteUser: 'sumo',
        authMethod: 'key',
        keyPath: '/home/sumo/.ssh/id_rsa',
        pathExpression: '/var/log/secure',
      };
    case 'LocalWindowsEventLog':
      return { logNames: ['Security', 'Application', 'System'], renderMessages: true, eventFormat: 0 };
    case 'RemoteWindowsEventLog':
      return { domain: 'CORP', username: 'svc-sumo', hosts: [`${hostName}-dc`], logNames: ['Security'] };
    case 'LocalWindowsPerfMon':
      return {
        interval: 60000,
        queries: [{ name: 'CPU', query: 'SELECT * FROM Win32_PerfFormattedData_PerfOS_Processor' }],
      };
    case 'Syslog':
      return { protocol: pick(random, ['UDP', 'TCP']), port: pick(random, [514, 1514, 6514]) };
    case 'SystemStats':
      return {
        contentType: 'HostMetrics',
        interval: pick(random, [15000, 60000]),
        metrics: ['CPU_User', 'CPU_Sys', 'Mem_Used', osName === 'Windows' ? 'Disk_Queue' : 'Disk_ReadBytes'],
      };
    case 'DockerLog':
      return {
        uri: 'unix:///var/run/docker.sock',
        allContainers: true,
        collectEvents: true,
        specifiedContainers: [],
      };
    case 'Script':
      return { commands: ['/bin/bash'], script: 'df -h', cronExpression: '0 0/5 * * * ? *', timeout: 60000 };
    case 'Polling':
      return {
        contentType: 'AwsS3Bucket',
        scanInterval: 300000,
        paused: false,
        thirdPartyRef: {
          resources: [
            {
              serviceType: 'AwsS3Bucket',
              path: { type: 'S3BucketPathExpression', bucketName: 'acme-logs', pathExpression: 'elb/*' },
              authentication: {
                type: 'AWSRoleBasedAuthentication',
                roleARN: 'arn:aws:iam::123456789012:role/sumo',
              },
            },
          ],
        },
      };
    default:
      return {};
  }
}

/** Sources a download (`?download=true`) omits: the service's own bookkeeping. */
export function toDownloadForm(source: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, alive: _alive, ...config } = source;
  return config;
}
