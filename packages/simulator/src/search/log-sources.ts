import type { Draws } from './random.js';

/** Writes the text of one log line from its timestamp and the message's random draws. */
export type RawGenerator = (time: number, draws: Draws, origin: LogOrigin) => string;

/** One (source, host) pair: everything about a message except its text and times. */
export interface LogOrigin {
  readonly sourceCategory: string;
  readonly sourceHost: string;
  readonly sourceName: string;
  readonly source: string;
  readonly sourceId: string;
  readonly collector: string;
  readonly collectorId: string;
  readonly format: string;
  readonly generate: RawGenerator;
}

interface SourceDefinition {
  sourceCategory: string;
  sourceName: string;
  source: string;
  sourceId: number;
  collector: string;
  collectorId: number;
  format: string;
  hosts: string[];
  /** Share of the corpus, in percent over all definitions. */
  weight: number;
  generate: RawGenerator;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

interface SecondText {
  /** `2026-11-23` */
  date: string;
  /** `16:38:01` */
  clock: string;
  /** `23/Nov/2026` */
  nginxDate: string;
  /** `Nov 23` (syslog pads the day with a space) */
  syslogDate: string;
}

let cachedSecond = Number.NaN;
let cachedText: SecondText = { date: '', clock: '', nginxDate: '', syslogDate: '' };

/** Neighbouring messages share a second, so formatting once per second keeps generation cheap. */
export function secondText(time: number): SecondText {
  const second = Math.floor(time / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    const day = d.getUTCDate();
    const month = MONTHS[d.getUTCMonth()];
    cachedText = {
      date: `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(day)}`,
      clock: `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`,
      nginxDate: `${pad2(day)}/${month}/${d.getUTCFullYear()}`,
      syslogDate: `${month} ${day < 10 ? ` ${day}` : day}`,
    };
    cachedSecond = second;
  }
  return cachedText;
}

export function millis(time: number): string {
  return pad3(time - Math.floor(time / 1000) * 1000);
}

export function isoTimestamp(time: number): string {
  const text = secondText(time);
  return `${text.date}T${text.clock}.${millis(time)}Z`;
}

const HTTP_METHODS: readonly (readonly [number, string])[] = [
  [70, 'GET'],
  [20, 'POST'],
  [6, 'PUT'],
  [4, 'DELETE'],
];
const WEB_PATHS = [
  '/',
  '/checkout',
  '/cart',
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/products',
  '/api/v1/products/{id}',
  '/api/v1/users/{id}',
  '/static/app.js',
  '/static/styles.css',
  '/healthz',
  '/login',
];
const HTTP_STATUS: readonly (readonly [number, number])[] = [
  [72, 200],
  [5, 201],
  [3, 204],
  [2, 301],
  [5, 304],
  [2, 400],
  [1, 401],
  [1, 403],
  [4, 404],
  [1, 429],
  [2, 500],
  [1, 502],
  [1, 503],
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'curl/8.5.0',
  'kube-probe/1.31',
  'python-requests/2.32.3',
];

export const nginxAccess: RawGenerator = (time, draws) => {
  const text = secondText(time);
  const status = draws.weighted(HTTP_STATUS);
  const path = draws.pick(WEB_PATHS).replace('{id}', String(draws.between(1000, 99999)));
  const bytes = status === 204 || status === 304 ? 0 : draws.between(120, 48000);
  const slow = status >= 500 ? draws.between(800, 30000) : draws.between(1, 900);
  return (
    `10.${draws.int(4)}.${draws.int(256)}.${draws.between(1, 254)} - - ` +
    `[${text.nginxDate}:${text.clock} +0000] ` +
    `"${draws.weighted(HTTP_METHODS)} ${path} HTTP/1.1" ${status} ${bytes} "-" "${draws.pick(USER_AGENTS)}" ` +
    `rt=${(slow / 1000).toFixed(3)}`
  );
};

const API_ROUTES = [
  ['GET', '/v1/orders'],
  ['POST', '/v1/orders'],
  ['GET', '/v1/orders/:id'],
  ['GET', '/v1/cart'],
  ['PUT', '/v1/cart/items'],
  ['POST', '/v1/payments'],
  ['GET', '/v1/inventory/:sku'],
] as const;
const APP_LEVELS: readonly (readonly [number, string])[] = [
  [10, 'DEBUG'],
  [70, 'INFO'],
  [14, 'WARN'],
  [6, 'ERROR'],
];
const APP_ERRORS = [
  ['TimeoutError', 'upstream inventory-service timed out after 5000 ms', 'InventoryClient.reserve'],
  ['ConnectionError', 'connect ECONNREFUSED 10.0.4.17:5432', 'Pool.connect'],
  ['ValidationError', 'cart item quantity must be positive', 'CartService.update'],
  ['PaymentDeclinedError', 'card declined: insufficient_funds', 'PaymentsClient.charge'],
] as const;

export function appJson(service: string, env: string): RawGenerator {
  return (time, draws) => {
    const level = draws.weighted(APP_LEVELS);
    const [method, route] = draws.pick(API_ROUTES);
    const user = `u-${draws.between(10000, 99999)}`;
    const trace = draws.hex(16);
    const timestamp = isoTimestamp(time);
    if (level === 'ERROR') {
      const [type, message, frame] = draws.pick(APP_ERRORS);
      const stack = `${type}: ${message}\\n    at ${frame} (/app/dist/${service}.js:${draws.between(20, 900)}:${draws.between(3, 40)})\\n    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)`;
      return `{"timestamp":"${timestamp}","level":"ERROR","service":"${service}","env":"${env}","msg":"request failed","http":{"method":"${method}","route":"${route}","status":${draws.pick([500, 502, 503, 504])}},"user":{"id":"${user}"},"duration_ms":${draws.between(900, 30000)},"trace_id":"${trace}","error":{"type":"${type}","message":"${message}","stack":"${stack}"}}`;
    }
    const status =
      level === 'WARN' ? draws.pick([400, 404, 409, 429]) : draws.pick([200, 200, 200, 201, 204]);
    const duration = level === 'WARN' ? draws.between(400, 4000) : draws.between(2, 450);
    const msg = level === 'WARN' ? 'slow request' : level === 'DEBUG' ? 'cache lookup' : 'request completed';
    return `{"timestamp":"${timestamp}","level":"${level}","service":"${service}","env":"${env}","msg":"${msg}","http":{"method":"${method}","route":"${route}","status":${status}},"user":{"id":"${user}"},"duration_ms":${duration},"trace_id":"${trace}"}`;
  };
}

const PG_STATEMENTS = [
  'SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50',
  'UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2',
  'INSERT INTO order_items (order_id, sku, quantity) VALUES ($1, $2, $3)',
  'SELECT count(*) FROM sessions WHERE expires_at > now()',
];

export const postgres: RawGenerator = (time, draws) => {
  const text = secondText(time);
  const prefix = `${text.date} ${text.clock}.${millis(time)} UTC [${draws.between(1000, 65000)}]`;
  const roll = draws.int(100);
  if (roll < 70) {
    return `${prefix} app@orders LOG:  duration: ${(draws.between(50, 250000) / 1000).toFixed(3)} ms  statement: ${draws.pick(PG_STATEMENTS)}`;
  }
  if (roll < 85) {
    return `${prefix} LOG:  checkpoint complete: wrote ${draws.between(10, 9000)} buffers (${(draws.int(1000) / 10).toFixed(1)}%); 0 WAL file(s) added, 0 removed, ${draws.int(4)} recycled`;
  }
  if (roll < 95) {
    return `${prefix} app@orders ERROR:  duplicate key value violates unique constraint "orders_pkey"\n${prefix} app@orders DETAIL:  Key (id)=(${draws.between(100000, 999999)}) already exists.`;
  }
  if (roll < 98) {
    return `${prefix} app@orders ERROR:  canceling statement due to statement timeout`;
  }
  return `${prefix} report@analytics FATAL:  password authentication failed for user "report"`;
};

const K8S_EVENTS = [
  ['Normal', 'Scheduled', 'Successfully assigned {pod} to ip-10-0-2-41.ec2.internal'],
  [
    'Normal',
    'Pulled',
    'Container image \\"registry.acme.io/checkout-api:2.14.1\\" already present on machine',
  ],
  ['Normal', 'Started', 'Started container app'],
  ['Normal', 'ScalingReplicaSet', 'Scaled up replica set checkout-api-7d9f8c6b5 to 6'],
  ['Warning', 'BackOff', 'Back-off restarting failed container app in pod {pod}'],
  ['Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
  ['Warning', 'FailedScheduling', '0/12 nodes are available: 12 Insufficient memory.'],
  ['Warning', 'OOMKilling', 'Memory cgroup out of memory: Killed process 4127 (node)'],
] as const;

const k8sEvents: RawGenerator = (time, draws) => {
  const [type, reason, template] = draws.pick(K8S_EVENTS);
  const pod = `${draws.pick(['checkout-api', 'cart-api', 'payments'])}-7d9f8c6b5-${draws.hex(5)}`;
  return `{"kind":"Event","type":"${type}","reason":"${reason}","namespace":"${draws.pick(['checkout', 'payments', 'platform'])}","involvedObject":{"kind":"Pod","name":"${pod}"},"message":"${template.replace('{pod}', pod)}","count":${draws.between(1, 40)},"lastTimestamp":"${isoTimestamp(time)}"}`;
};

const payments: RawGenerator = (time, draws) => {
  const text = secondText(time);
  const prefix = `${text.date} ${text.clock},${millis(time)} +0000`;
  const thread = `[thread=http-nio-8080-exec-${draws.between(1, 48)}]`;
  const order = `order_id=ord-${draws.between(10000, 99999)}`;
  const roll = draws.int(100);
  if (roll < 88) {
    return `${prefix} INFO  [module=PAYMENTS] [logger=com.acme.payments.ChargeService] ${thread} charge authorized ${order} amount=${(draws.between(100, 50000) / 100).toFixed(2)} currency=${draws.pick(['EUR', 'USD', 'GBP'])} latency_ms=${draws.between(40, 900)}`;
  }
  if (roll < 95) {
    return `${prefix} WARN  [module=PAYMENTS] [logger=com.acme.payments.RetryPolicy] ${thread} retrying charge ${order} attempt=${draws.between(2, 3)} reason=gateway_timeout`;
  }
  return (
    `${prefix} ERROR [module=PAYMENTS] [logger=com.acme.payments.ChargeService] ${thread} charge failed ${order}\n` +
    'java.net.SocketTimeoutException: Read timed out\n' +
    '\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)\n' +
    `\tat com.acme.payments.gateway.StripeClient.charge(StripeClient.java:${draws.between(100, 140)})\n` +
    '\tat com.acme.payments.ChargeService.authorize(ChargeService.java:64)'
  );
};

export const sshd: RawGenerator = (time, draws, origin) => {
  const text = secondText(time);
  const prefix = `${text.syslogDate} ${text.clock} ${origin.sourceHost} sshd[${draws.between(1000, 60000)}]:`;
  const ip = `${draws.pick(['203.0.113', '198.51.100', '192.0.2'])}.${draws.between(1, 254)}`;
  const roll = draws.int(100);
  if (roll < 45) {
    return `${prefix} Accepted publickey for ${draws.pick(['deploy', 'alice', 'bob'])} from ${ip} port ${draws.between(30000, 65000)} ssh2: ED25519 SHA256:${draws.hex(20)}`;
  }
  if (roll < 75) {
    return `${prefix} Failed password for invalid user ${draws.pick(['admin', 'root', 'test', 'oracle'])} from ${ip} port ${draws.between(30000, 65000)} ssh2`;
  }
  return `${prefix} pam_unix(sshd:session): session closed for user ${draws.pick(['deploy', 'alice', 'bob'])}`;
};

export const NGINX_FORMAT = 't:cache:o:13:l:26:p:dd/MMM/yyyy:HH:mm:ss ZZZZ';
export const JSON_FORMAT = 'json:o:14:l:24:p:yyyy-MM-ddTHH:mm:ss.SSSZ';

const SOURCES: readonly SourceDefinition[] = [
  {
    sourceCategory: 'prod/web/nginx',
    sourceName: '/var/log/nginx/access.log',
    source: 'nginx-access',
    sourceId: 1640,
    collector: 'prod-web',
    collectorId: 1579,
    format: NGINX_FORMAT,
    hosts: ['web-01.prod.acme.io', 'web-02.prod.acme.io', 'web-03.prod.acme.io', 'web-04.prod.acme.io'],
    weight: 32,
    generate: nginxAccess,
  },
  {
    sourceCategory: 'prod/api/app',
    sourceName: '/var/log/containers/checkout-api.log',
    source: 'checkout-api',
    sourceId: 1641,
    collector: 'prod-k8s',
    collectorId: 1580,
    format: JSON_FORMAT,
    hosts: ['checkout-api-7d9f8c6b5-x2kqp', 'checkout-api-7d9f8c6b5-m8wz4', 'checkout-api-7d9f8c6b5-q7jdt'],
    weight: 24,
    generate: appJson('checkout-api', 'prod'),
  },
  {
    sourceCategory: 'prod/db/postgres',
    sourceName: '/var/log/postgresql/postgresql-16-main.log',
    source: 'postgres',
    sourceId: 1642,
    collector: 'prod-db',
    collectorId: 1581,
    format: 't:cache:o:0:l:23:p:yyyy-MM-dd HH:mm:ss.SSS',
    hosts: ['db-primary-01.prod.acme.io', 'db-replica-01.prod.acme.io'],
    weight: 10,
    generate: postgres,
  },
  {
    sourceCategory: 'prod/payments/service',
    sourceName: '/opt/payments/logs/service.log',
    source: 'payments-service',
    sourceId: 1643,
    collector: 'prod-web',
    collectorId: 1579,
    format: 'plain:atp:o:0:l:29:p:yyyy-MM-dd HH:mm:ss,SSS ZZZZ',
    hosts: ['payments-01.prod.acme.io', 'payments-02.prod.acme.io'],
    weight: 8,
    generate: payments,
  },
  {
    sourceCategory: 'prod/k8s/events',
    sourceName: 'kubernetes-events',
    source: 'k8s-events',
    sourceId: 1644,
    collector: 'prod-k8s',
    collectorId: 1580,
    format: JSON_FORMAT,
    hosts: ['prod-eks-cluster'],
    weight: 7,
    generate: k8sEvents,
  },
  {
    sourceCategory: 'staging/api/app',
    sourceName: '/var/log/containers/checkout-api.log',
    source: 'checkout-api',
    sourceId: 2641,
    collector: 'staging',
    collectorId: 2579,
    format: JSON_FORMAT,
    hosts: ['checkout-api-5c6d7e8f9-a1b2c', 'checkout-api-5c6d7e8f9-d3e4f'],
    weight: 8,
    generate: appJson('checkout-api', 'staging'),
  },
  {
    sourceCategory: 'staging/web/nginx',
    sourceName: '/var/log/nginx/access.log',
    source: 'nginx-access',
    sourceId: 2640,
    collector: 'staging',
    collectorId: 2579,
    format: NGINX_FORMAT,
    hosts: ['web-01.staging.acme.io'],
    weight: 7,
    generate: nginxAccess,
  },
  {
    sourceCategory: 'prod/bastion/auth',
    sourceName: '/var/log/auth.log',
    source: 'auth',
    sourceId: 1645,
    collector: 'prod-bastion',
    collectorId: 1582,
    format: 't:cache:o:0:l:15:p:MMM dd HH:mm:ss',
    hosts: ['bastion-01.prod.acme.io'],
    weight: 4,
    generate: sshd,
  },
];

/** Every (source, host) pair, and a 1024-slot table that picks one by weight in O(1). */
export function buildOrigins(): { origins: LogOrigin[]; slots: Uint16Array } {
  const origins: LogOrigin[] = [];
  const weights: number[] = [];
  for (const source of SOURCES) {
    for (const host of source.hosts) {
      origins.push({
        sourceCategory: source.sourceCategory,
        sourceHost: host,
        sourceName: source.sourceName,
        source: source.source,
        sourceId: String(source.sourceId),
        collector: source.collector,
        collectorId: String(source.collectorId),
        format: source.format,
        generate: source.generate,
      });
      weights.push(source.weight / source.hosts.length);
    }
  }
  const total = weights.reduce((sum, w) => sum + w, 0);
  const slots = new Uint16Array(1024);
  let slot = 0;
  let cumulative = 0;
  weights.forEach((weight, origin) => {
    cumulative += weight;
    const end =
      origin === weights.length - 1 ? slots.length : Math.round((cumulative / total) * slots.length);
    for (; slot < end; slot++) slots[slot] = origin;
  });
  return { origins, slots };
}
