import { Duration, Size } from 'aws-cdk-lib';
import { HardenedWebhookEndpointProps, SenderIpRanges, SignatureScheme, WebhookSourceOptions } from '../lib';
import { SCHEME_TYPES } from '../lib/runtime';
import { meant } from '../lib/runtime/suggest';

/** One environment of the example app, as written in cdk.json under "hardened-webhook:environments". */
export interface EnvironmentConfig {
  readonly account?: string;
  readonly region?: string;
  /** Required for production; keeps names (and so the secrets) stable across renames of the stack. */
  readonly endpointName?: string;
  readonly allowedSourceCidrs?: string[];
  readonly allowAnySourceIp?: boolean;
  readonly alarmEmail?: string;
  readonly rateLimit?: number;
  /**
   * Deploys the example processor (bin/processor/index.ts: parseWebhookRecord, Powertools idempotency
   * and partial batch failures) as the endpoint's processor, with processorIdempotency.
   */
  readonly exampleProcessor?: boolean;
  readonly sources: Record<string, SourceConfig>;
}

/** The endpoint's props, and whether the stack adds the example processor. */
export interface ExampleEndpointProps extends HardenedWebhookEndpointProps {
  readonly exampleProcessor?: boolean;
}

export interface SourceConfig {
  /** svix, or a sender type from the sender table, docs/senders.md (standard-webhooks, stripe, github, zoom, meta, ...). */
  readonly scheme: string;
  readonly allowedSourceCidrs?: string[];
  /** `"published"`: the route follows the list of addresses the scheme's sender publishes, kept current. */
  readonly senderIpRanges?: string;
  readonly toleranceSeconds?: number;
  readonly rotationDays?: number;
  readonly graceHours?: number;
  /** The largest body accepted, in bytes; above 716,800 (700 KiB) bodies are claim-checked through S3. */
  readonly maxBodyBytes?: number;
}

export const ENVIRONMENTS_CONTEXT_KEY = 'hardened-webhook:environments';
export const DEFAULT_ENVIRONMENT = 'dev';

/** A mistake in cdk.json or `-c env=...` for the user to fix: bin/app.ts prints its message without a stack trace. */
export class ConfigError extends Error {
  public readonly name = 'ConfigError';
}

/** `svix`, or any sender type of the catalogue (the sender table, docs/senders.md), except the generic `hmac`. */
const SCHEMES: Record<string, () => SignatureScheme> = {
  svix: () => SignatureScheme.svix(),
  ...Object.fromEntries(SCHEME_TYPES.filter((t) => t !== 'hmac').map((t) => [t, () => SignatureScheme.sender(t)])),
  'standard-webhooks': () => SignatureScheme.standardWebhooks(),
};
const ENV_KEYS = ['account', 'region', 'endpointName', 'allowedSourceCidrs', 'allowAnySourceIp', 'alarmEmail', 'rateLimit', 'exampleProcessor', 'sources'];
const SOURCE_KEYS = ['scheme', 'allowedSourceCidrs', 'senderIpRanges', 'toleranceSeconds', 'rotationDays', 'graceHours', 'maxBodyBytes'];

/**
 * Picks the environment named by `-c env=<name>` (default dev) from the config and turns it into
 * endpoint props. Shape errors (unknown environment, unknown key, unknown scheme) are reported here;
 * value errors (a CIDR that does not parse, a rate limit under 10, ...) by the construct itself.
 */
export function resolveEnvironment(
  environments: unknown,
  requested: unknown,
): { name: string; config: EnvironmentConfig; props: ExampleEndpointProps } {
  if (typeof environments !== 'object' || environments === null) {
    throw new ConfigError(`cdk.json has no "${ENVIRONMENTS_CONTEXT_KEY}" object; add one with an entry per environment (dev, staging, prod)`);
  }
  const all = environments as Record<string, EnvironmentConfig>;
  const name = requested === undefined ? DEFAULT_ENVIRONMENT : String(requested);
  const config = all[name];
  if (!config) {
    throw new ConfigError(`Unknown environment "${name}"${meant(name, Object.keys(all))}; pass -c env=<one of ${Object.keys(all).join(', ')}> or add "${name}" to "${ENVIRONMENTS_CONTEXT_KEY}" in cdk.json`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (!ENV_KEYS.includes(key)) problems.push(`environment "${name}" has unknown key "${key}"${meant(key, ENV_KEYS)}; known keys: ${ENV_KEYS.join(', ')}`);
  const sources: Record<string, WebhookSourceOptions> = {};
  for (const [sourceName, source] of Object.entries(config.sources ?? {})) {
    for (const key of Object.keys(source)) {
      if (!SOURCE_KEYS.includes(key)) problems.push(`source "${sourceName}" in "${name}" has unknown key "${key}"${meant(key, SOURCE_KEYS)}; known keys: ${SOURCE_KEYS.join(', ')}`);
    }
    const ranges = (source as { senderIpRanges?: unknown }).senderIpRanges;
    if (ranges !== undefined && ranges !== 'published') {
      problems.push(
        `source "${sourceName}" in "${name}" has senderIpRanges ${JSON.stringify(ranges)}; the only value is "published" (the addresses its scheme's sender publishes, kept current), or leave it out and list allowedSourceCidrs`,
      );
    }
    const scheme = SCHEMES[source.scheme];
    if (!scheme) {
      problems.push(`source "${sourceName}" in "${name}" has scheme "${source.scheme}"${meant(String(source.scheme), Object.keys(SCHEMES))}; use one of ${Object.keys(SCHEMES).join(', ')}`);
      continue;
    }
    sources[sourceName] = {
      scheme: scheme(),
      allowedSourceCidrs: source.allowedSourceCidrs,
      senderIpRanges: ranges === 'published' ? SenderIpRanges.published() : undefined,
      timestampTolerance: source.toleranceSeconds === undefined ? undefined : Duration.seconds(source.toleranceSeconds),
      rotationInterval: source.rotationDays === undefined ? undefined : Duration.days(source.rotationDays),
      gracePeriod: source.graceHours === undefined ? undefined : Duration.hours(source.graceHours),
      maxBodySize: source.maxBodyBytes === undefined ? undefined : Size.bytes(source.maxBodyBytes),
    };
  }
  if (config.exampleProcessor !== undefined && typeof config.exampleProcessor !== 'boolean') {
    problems.push(`environment "${name}" has exampleProcessor ${JSON.stringify(config.exampleProcessor)}; use true (deploy the example processor) or false`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid example app config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    name,
    config,
    props: {
      environment: name,
      endpointName: config.endpointName,
      allowedSourceCidrs: config.allowedSourceCidrs,
      allowAnySourceIp: config.allowAnySourceIp,
      alarmEmail: config.alarmEmail,
      rateLimit: config.rateLimit,
      sources,
      ...(config.exampleProcessor ? { exampleProcessor: true } : {}),
    },
  };
}
