import { z } from 'zod';
import { SumoConfigError } from './http/errors.js';

/**
 * API hosts by deployment (Sumo docs, "Sumo Logic endpoints by deployment"). us1 is the only
 * deployment without its code in the host name.
 */
export const DEPLOYMENTS = {
  au: 'https://api.au.sumologic.com/api',
  ca: 'https://api.ca.sumologic.com/api',
  ch: 'https://api.ch.sumologic.com/api',
  de: 'https://api.de.sumologic.com/api',
  esc: 'https://api.esc.sumologic.com/api',
  eu: 'https://api.eu.sumologic.com/api',
  fed: 'https://api.fed.sumologic.com/api',
  in: 'https://api.in.sumologic.com/api',
  jp: 'https://api.jp.sumologic.com/api',
  kr: 'https://api.kr.sumologic.com/api',
  us1: 'https://api.sumologic.com/api',
  us2: 'https://api.us2.sumologic.com/api',
} as const;

export type Deployment = keyof typeof DEPLOYMENTS;
export const DEPLOYMENT_CODES = Object.keys(DEPLOYMENTS) as Deployment[];

export function apiUrlForDeployment(deployment: Deployment): string {
  return DEPLOYMENTS[deployment];
}

/** Which deployment an API URL belongs to, if it is one of Sumo's (used to explain a 301). */
export function deploymentForUrl(url: string): Deployment | undefined {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
  return DEPLOYMENT_CODES.find((code) => new URL(DEPLOYMENTS[code]).host === host);
}

const DeploymentSchema = z
  .string()
  .trim()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(DEPLOYMENT_CODES as [Deployment, ...Deployment[]]));

const ApiUrlSchema = z
  .string()
  .trim()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://')
  // A trailing slash would produce `//v1/...` paths, which the real API answers with a 500.
  .transform((value) => value.replace(/\/+$/, ''))
  .refine((value) => value.endsWith('/api'), 'must be the full base URL ending in /api');

export interface SumoConfig {
  accessId: string;
  accessKey: string;
  deployment: Deployment | undefined;
  /** Base URL ending in `/api`, without a trailing slash. */
  apiUrl: string;
}

export interface SumoConfigInput {
  accessId?: string | undefined;
  accessKey?: string | undefined;
  deployment?: string | undefined;
  apiUrl?: string | undefined;
}

const ENV_NAMES: Record<keyof SumoConfigInput, string> = {
  accessId: 'SUMO_ACCESS_ID',
  accessKey: 'SUMO_ACCESS_KEY',
  deployment: 'SUMO_DEPLOYMENT',
  apiUrl: 'SUMO_API_URL',
};

/**
 * Reads the connection settings from explicit options, falling back to the environment.
 * Every problem is reported at once, each naming the variable to set and how.
 */
export function loadConfig(
  options: SumoConfigInput = {},
  env: Record<string, string | undefined> = process.env,
): SumoConfig {
  const pick = (key: keyof SumoConfigInput) => {
    const value = options[key] ?? env[ENV_NAMES[key]];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const problems: string[] = [];
  const accessId = pick('accessId');
  const accessKey = pick('accessKey');
  if (!accessId)
    problems.push('SUMO_ACCESS_ID is not set: set it to the access ID of a Sumo Logic access key.');
  if (!accessKey) problems.push('SUMO_ACCESS_KEY is not set: set it to the secret of that access key.');

  let deployment: Deployment | undefined;
  const rawDeployment = pick('deployment');
  if (rawDeployment !== undefined) {
    const parsed = DeploymentSchema.safeParse(rawDeployment);
    if (parsed.success) deployment = parsed.data;
    // The value is not a secret, but quoting it helps spot a typo.
    else
      problems.push(
        `SUMO_DEPLOYMENT is "${rawDeployment}": use one of ${DEPLOYMENT_CODES.join(', ')} (case-insensitive).`,
      );
  }

  let apiUrl: string | undefined;
  const rawApiUrl = pick('apiUrl');
  if (rawApiUrl !== undefined) {
    const parsed = ApiUrlSchema.safeParse(rawApiUrl);
    if (parsed.success) apiUrl = parsed.data;
    else
      problems.push(
        `SUMO_API_URL is "${rawApiUrl}": ${parsed.error.issues[0]?.message ?? 'invalid'} (for example https://api.sumologic.com/api).`,
      );
  }

  if (problems.length > 0) throw new SumoConfigError(problems);
  return {
    accessId: accessId as string,
    accessKey: accessKey as string,
    deployment: apiUrl ? deployment : (deployment ?? 'us1'),
    apiUrl: apiUrl ?? apiUrlForDeployment(deployment ?? 'us1'),
  };
}
