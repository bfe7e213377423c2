import type { DataOrigin } from '../org/data-origins.js';
import {
  appJson,
  isoTimestamp,
  JSON_FORMAT,
  millis,
  NGINX_FORMAT,
  nginxAccess,
  type RawGenerator,
  secondText,
  sshd,
} from './log-sources.js';

/** How the org's sources write their lines: the text and the `_format` their messages carry. */
export interface LogFormat {
  generate: RawGenerator;
  format: string;
  /** Messages a source of this kind sends per minute while it sends anything. */
  perMinute: number;
}

const SYSLOG_FORMAT = 't:cache:o:0:l:15:p:MMM dd HH:mm:ss';
const WINDOWS_FORMAT = 't:cache:o:0:l:19:p:yyyy-MM-dd HH:mm:ss';

const WINDOWS_EVENTS = [
  [4624, 'Security', 'Information', 'An account was successfully logged on.'],
  [4625, 'Security', 'Information', 'An account failed to log on.'],
  [7036, 'System', 'Information', 'The Windows Update service entered the running state.'],
  [1000, 'Application', 'Error', 'Faulting application name: w3wp.exe, version: 10.0.20348.1'],
  [6008, 'System', 'Error', 'The previous system shutdown was unexpected.'],
] as const;

const windowsEvent: RawGenerator = (time, draws, origin) => {
  const text = secondText(time);
  const [id, log, level, message] = draws.pick(WINDOWS_EVENTS);
  return `${text.date} ${text.clock} ${origin.sourceHost} EventCode=${id} LogName=${log} Type=${level} RecordNumber=${draws.between(100000, 9999999)} Message="${message}"`;
};

const perfCounters: RawGenerator = (time, draws, origin) => {
  const text = secondText(time);
  return `${text.date} ${text.clock} ${origin.sourceHost} counter="\\\\Processor(_Total)\\\\% Processor Time" value=${(draws.int(10000) / 100).toFixed(2)} counter="\\\\Memory\\\\Available MBytes" value=${draws.between(200, 16000)}`;
};

const hostMetrics: RawGenerator = (time, draws, origin) =>
  `{"timestamp":"${isoTimestamp(time)}","host":"${origin.sourceHost}","cpu_user":${(draws.int(9000) / 100).toFixed(2)},"cpu_sys":${(draws.int(2000) / 100).toFixed(2)},"mem_used_pct":${(draws.int(10000) / 100).toFixed(2)},"disk_read_bytes":${draws.between(0, 90000000)}}`;

const scriptOutput: RawGenerator = (time, draws) => {
  const text = secondText(time);
  const used = draws.between(5, 99);
  return `${text.date} ${text.clock},${millis(time)} /dev/nvme0n1p1 ${draws.between(20, 500)}G used=${used}% ${used >= 90 ? 'WARNING disk almost full' : 'ok'}`;
};

const ELB_PATHS = ['/api/v1/orders', '/api/v1/cart', '/healthz', '/login', '/static/app.js'];

/** AWS ELB access-log lines, as an S3 source reading `elb/*` collects them. */
const elbAccess: RawGenerator = (time, draws) => {
  const status = draws.pick([200, 200, 200, 200, 201, 304, 404, 500, 502, 503]);
  return `https ${isoTimestamp(time)} app/prod-alb/50dc6c495c0c9188 198.51.100.${draws.between(1, 254)}:${draws.between(30000, 65000)} 10.0.${draws.int(8)}.${draws.between(1, 254)}:443 0.00${draws.int(10)} ${(draws.int(3000) / 1000).toFixed(3)} 0.000 ${status} ${status} ${draws.between(100, 900)} ${draws.between(200, 48000)} "GET https://shop.acme.io:443${draws.pick(ELB_PATHS)} HTTP/1.1" "Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2`;
};

const otelLog: RawGenerator = (time, draws, origin) =>
  `{"timestamp":"${isoTimestamp(time)}","severity_text":"${draws.pick(['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'])}","body":"${draws.pick(['request handled', 'cache refreshed', 'retrying export', 'connection reset by peer'])}","resource":{"host.name":"${origin.sourceHost}","service.name":"${origin.collector}"},"trace_id":"${draws.hex(32)}"}`;

const APP = { generate: appJson('app', 'prod'), format: JSON_FORMAT, perMinute: 4 };
const SYSLOG = { generate: sshd, format: SYSLOG_FORMAT, perMinute: 3 };

const BY_SOURCE_TYPE: Record<string, LogFormat> = {
  RemoteFileV2: { ...SYSLOG, perMinute: 2 },
  Syslog: SYSLOG,
  Cloudsyslog: SYSLOG,
  LocalWindowsEventLog: { generate: windowsEvent, format: WINDOWS_FORMAT, perMinute: 3 },
  RemoteWindowsEventLog: { generate: windowsEvent, format: WINDOWS_FORMAT, perMinute: 2 },
  LocalWindowsPerfMon: { generate: perfCounters, format: WINDOWS_FORMAT, perMinute: 1 },
  SystemStats: { generate: hostMetrics, format: JSON_FORMAT, perMinute: 1 },
  Script: { generate: scriptOutput, format: 't:cache:o:0:l:23:p:yyyy-MM-dd HH:mm:ss,SSS', perMinute: 1 },
  DockerLog: APP,
  HTTP: APP,
  Polling: { generate: elbAccess, format: JSON_FORMAT, perMinute: 2 },
  OpenTelemetry: { generate: otelLog, format: JSON_FORMAT, perMinute: 4 },
};

/** A file source writes what its path suggests: web server access logs, syslog or an application's JSON. */
export function logFormatOf(origin: DataOrigin): LogFormat {
  if (origin.sourceType === 'LocalFile') {
    if (origin.sourceName.includes('nginx'))
      return { generate: nginxAccess, format: NGINX_FORMAT, perMinute: 4 };
    if (origin.sourceName.includes('syslog')) return SYSLOG;
    return APP;
  }
  return BY_SOURCE_TYPE[origin.sourceType] ?? APP;
}
