import { meant } from '../suggest';
import { SchemeConfigData, WebhookConfigurationError } from '../types';
import { Scheme } from './scheme';
import type { CodeSender } from './sender';
import { SenderEntry, SenderScheme } from './sender';

/**
 * Builds the scheme for a config when its type is one this factory knows, else undefined. Each
 * verifier bundle holds one factory (one family of senders), so a source's function carries only its
 * own family's code; `schemeFor` chains them all.
 */
export type SchemeFactory = (config: SchemeConfigData) => Scheme | undefined;

/**
 * A factory over code senders only: for families with no rows, so their bundle carries no
 * `SenderScheme` engine.
 */
export function codeSenderFactory(senders: Readonly<Record<string, CodeSender>>): SchemeFactory {
  return (config) => {
    const type = (config as { type?: unknown } | undefined)?.type;
    return typeof type === 'string' && Object.prototype.hasOwnProperty.call(senders, type) ? senders[type].create(config) : undefined;
  };
}

/** A factory over catalogue entries: rows read by the `SenderScheme` engine, code senders by their `create`. */
export function senderFactory(senders: Readonly<Record<string, SenderEntry>>): SchemeFactory {
  return (config) => {
    const type = (config as { type?: unknown } | undefined)?.type;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(senders, type)) return undefined;
    const entry = senders[type];
    if ('create' in entry) return entry.create(config);
    const header = (config as { authorizationHeader?: unknown }).authorizationHeader;
    if (type === 'okta' && header !== undefined) {
      if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
        throw new WebhookConfigurationError(`authorizationHeader ${JSON.stringify(header)} is not an HTTP header name: give the "Authentication field" configured in Okta`);
      }
      return new SenderScheme(type, { ...entry, signature: { kind: 'header', header: header.toLowerCase() } });
    }
    return new SenderScheme(type, entry);
  };
}

/** The first factory's scheme for `config`, or a configuration error naming the types `known` lists. */
export function firstScheme(factories: readonly SchemeFactory[], config: SchemeConfigData, known: () => readonly string[]): Scheme {
  for (const factory of factories) {
    const scheme = factory(config);
    if (scheme) return scheme;
  }
  const type = (config as { type?: unknown } | undefined)?.type;
  const typo = typeof type === 'string' ? meant(type, known()) : '';
  throw new WebhookConfigurationError(`Unknown signature scheme type ${JSON.stringify(type)}${typo}: give one of ${known().join(', ')}`);
}
