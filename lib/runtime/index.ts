// The pure verification core: no aws-cdk-lib, no AWS SDK. The verifier Lambda uses exactly this, and
// so can a user's own code: `import { verifyWebhook } from 'cdk-hardened-webhook/runtime'` (package.json
// "exports"; test/runtime/entry-point.test.ts keeps it free of aws-cdk-lib and the AWS SDK).
export * from './types';
export { SchemeConfig } from './scheme-config';
export { DUPLICATE, HeaderValue, headerValue, pickHeaders } from './headers';
export * from './key-set';
export { Scheme } from './schemes/scheme';
export { SignedContent } from './schemes/common';
export { HmacAlgorithm } from './schemes/mac';
export { HmacScheme } from './schemes/scheme';
export { StandardWebhooksScheme } from './schemes/standard-webhooks';
export { StripeScheme } from './schemes/stripe';
export { GitHubScheme } from './schemes/github';
export { SlackScheme } from './schemes/slack';
export { ShopifyScheme } from './schemes/shopify';
export { TwilioScheme } from './schemes/twilio';
export { GenericHmacScheme } from './schemes/hmac';
export { PublishedKeyVerifier, PublishedKeyVerifierOptions } from './verify';
export { keyIssuedBySender, SCHEME_TYPES, schemeFor, signDelivery, signWebhook, SignOptions, verifyWebhook, verifyWithKeys, VerifyOptions, WebhookVerifier, WebhookVerifierOptions } from './verify';
export { GetRequest, Handshake, ImmediateAnswer, SchemeDescription, SignInput } from './schemes/scheme';
export { CodeSender, SenderEntry, SenderScheme, SenderRow, SignatureSpec, SignedPart, TimestampSpec, MetadataSpec } from './schemes/sender';
export { SENDERS, ALIASES, CatalogueSender, AliasSender, DEFAULT_TOLERANCE_SECONDS, VERIFIER_FAMILIES, VerifierFamily, familyOf, bundleOf } from './schemes/catalogue';
export { SchemeFactory } from './schemes/factory';
export { FetchRequest, FetchResponse, httpsFetcher, HttpsFetcherOptions, KeyFetcher, KeyFetchError, KeyReference, keyReference, PublishedKey, PublishedKeyCache, PublishedKeyCacheOptions, PublishedKeySource, refusedReference, ResolvedKeys } from './published-keys';
