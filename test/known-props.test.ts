import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { HardenedWebhookEndpoint, SenderIpRanges, SignatureScheme, WebhookSourceOptions } from '../lib';
import { ENDPOINT_PROP_KINDS, ENDPOINT_PROPS, PropKind, SCHEME_OPTIONS, SENDER_IP_RANGES_OPTIONS, SOURCE_OPTION_KINDS, SOURCE_OPTIONS } from '../lib/constructs/known-props';
import { defaultEndpoint, newStack } from './support/stacks';

interface JsiiType {
  properties?: { name: string }[];
  interfaces?: string[];
}

// The assembly `npm run compile` writes: the interfaces as jsii languages see them.
const assembly = JSON.parse(readFileSync(join(__dirname, '..', '.jsii'), 'utf8')) as { name: string; types: Record<string, JsiiType> };

/** An interface's property names, inherited ones included. */
function propertyNames(fqn: string): string[] {
  const type = assembly.types[fqn];
  if (!type) throw new Error(`${fqn} is not in .jsii (run npm run compile)`);
  return [...(type.properties ?? []).map((p) => p.name), ...(type.interfaces ?? []).flatMap(propertyNames)];
}
const fqn = (name: string) => `${assembly.name}.${name}`;
const sorted = (names: readonly string[]) => [...new Set(names)].sort();

describe('the known-key lists are the interfaces\' properties', () => {
  test.each([
    ['HardenedWebhookEndpointProps', ENDPOINT_PROPS],
    ['WebhookSourceOptions', SOURCE_OPTIONS],
    ['SenderIpRangesOptions', SENDER_IP_RANGES_OPTIONS],
    ...Object.entries(SCHEME_OPTIONS),
  ])('%s', (name, known) => {
    expect(sorted(known)).toEqual(sorted(propertyNames(fqn(name))));
  });

  test('inherited properties count: WebhookSourceProps has every WebhookSourceOptions key', () => {
    expect(propertyNames(fqn('WebhookSourceProps'))).toEqual(expect.arrayContaining([...SOURCE_OPTIONS]));
  });

  test('every option interface a SignatureScheme preset takes has a list', () => {
    const scheme = assembly.types[fqn('SignatureScheme')] as JsiiType & { methods?: { name: string; static?: boolean; parameters?: { type: { fqn?: string } }[] }[] };
    const taken = (scheme.methods ?? [])
      .filter((m) => m.static)
      .flatMap((m) => (m.parameters ?? []).map((p) => p.type.fqn))
      .filter((t): t is string => t !== undefined && (assembly.types[t] as { kind?: string } | undefined)?.kind === 'interface')
      .map((t) => t.slice(assembly.name.length + 1));
    expect(taken.length).toBeGreaterThan(0);
    expect(sorted(Object.keys(SCHEME_OPTIONS))).toEqual(sorted(taken));
  });
});

// Untyped callers (JavaScript, jsii languages) can pass any key; these casts stand for them.
const untyped = <T>(value: object) => value as unknown as T;

describe('unknown props are refused, naming the key, a suggestion and the known keys', () => {
  test('on the endpoint', () => {
    expect(() => new HardenedWebhookEndpoint(newStack(), 'E', untyped({ environment: 'dev', alarmEmial: 'a@example.com' }))).toThrow(
      /HardenedWebhookEndpointProps has no prop "alarmEmial"; did you mean "alarmEmail"\? Its props: accessLogClass, .*wafLogAllowedRequests/,
    );
  });

  test('on addSource, with where a source\'s secret comes from', () => {
    const { endpoint } = defaultEndpoint();
    let message = '';
    try {
      endpoint.addSource('stripe', untyped<WebhookSourceOptions>({ scheme: SignatureScheme.stripe(), secret: 'whsec_x', maxBodySise: 1 }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid source "stripe" of HardenedWebhookEndpoint/);
    expect(message).toContain('source "stripe" has no prop "secret"; its props: allowUnlimitedReplays, ');
    expect(message).toContain('each source creates its own secret (read it as source.secret)');
    expect(message).toContain('source "stripe" has no prop "maxBodySise"; did you mean "maxBodySize"? Its props: ');
  });

  test('in the endpoint\'s sources map, listed with the endpoint\'s other problems', () => {
    expect(
      () =>
        new HardenedWebhookEndpoint(newStack(), 'E', {
          environment: 'dev',
          rateLimit: 1,
          sources: { github: untyped<WebhookSourceOptions>({ scheme: SignatureScheme.github(), grup: 'vcs' }) },
        }),
    ).toThrow(/rateLimit 1 is outside[\s\S]*source "github" has no prop "grup"; did you mean "group"\?/);
  });

  test.each([
    ['sns', () => SignatureScheme.sns(untyped({ topicArns: ['arn:aws:sns:us-east-1:123456789012:t'], topicArn: 'x' })), 'topicArn', 'topicArns'],
    ['paypal', () => SignatureScheme.paypal(untyped({ webhookId: '8PT597110X687430LKGECATA', enviroment: 'sandbox' })), 'enviroment', 'environment'],
    ['salesforce', () => SignatureScheme.salesforce(untyped({ organizationId: '00D5g000004ABCD', orgId: 'x' })), 'orgId', undefined],
    ['appleAppStore', () => SignatureScheme.appleAppStore(untyped({ bundleId: 'com.example', appAppleId: 123, appleId: 1 })), 'appleId', 'appAppleId'],
    ['strapi', () => SignatureScheme.strapi(untyped({ authorisationHeader: 'X-Token' })), 'authorisationHeader', 'authorizationHeader'],
    ['supabase', () => SignatureScheme.supabase(untyped({ header: 'X-Token' })), 'header', undefined],
    ['standardWebhooks', () => SignatureScheme.standardWebhooks(untyped({ prefix: 'svix' })), 'prefix', undefined],
    [
      'hmac',
      () => SignatureScheme.hmac(untyped({ algorithm: 'sha256', encoding: 'hex', signatureHeader: 'X-Sig', signedContent: 'body', tolerence: Duration.minutes(5) })),
      'tolerence',
      'tolerance',
    ],
  ])('in SignatureScheme.%s() options', (preset, scheme, key, suggested) => {
    const { endpoint } = defaultEndpoint();
    const add = () => endpoint.addSource('s', { scheme: scheme(), allowedSourceCidrs: ['203.0.113.0/24'], allowUnsignedBodyFromAnyIp: undefined });
    expect(add).toThrow(`source "s": SignatureScheme.${preset}() options has no prop "${key}"${suggested ? `; did you mean "${suggested}"? Its` : '; its'} props: `);
  });

  test('in SenderIpRanges options', () => {
    const { endpoint } = defaultEndpoint();
    expect(() => endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published(untyped({ maxShrink: 10 })) })).toThrow(
      'source "github": SenderIpRanges.published() options has no prop "maxShrink"; its props: maxShrinkPercent',
    );
  });

  test('typed callers are not affected: known keys, and keys set to undefined by spreading, pass', () => {
    const { endpoint } = defaultEndpoint();
    expect(() => endpoint.addSource('paypal', { scheme: SignatureScheme.paypal({ webhookId: '8PT597110X687430LKGECATA', environment: undefined }), dedupeWindow: undefined })).not.toThrow();
  });
});

describe('props given a value of the wrong kind (untyped code) are refused by name, all together, never as a raw TypeError', () => {
  const KIND_OF_TYPE: Record<string, PropKind> = {
    'primitive:number': 'number',
    'primitive:string': 'string',
    'primitive:boolean': 'boolean',
    'array:primitive:string': 'string[]',
    'aws-cdk-lib.Duration': 'Duration',
    'aws-cdk-lib.Size': 'Size',
    [fqn('SignatureScheme')]: 'SignatureScheme',
    [fqn('SenderIpRanges')]: 'SenderIpRanges',
  };
  const kindsOf = (name: string) => {
    const type = assembly.types[fqn(name)] as { properties?: { name: string; type: { primitive?: string; fqn?: string; collection?: { kind: string; elementtype: { primitive?: string } } } }[] };
    const key = (t: { primitive?: string; fqn?: string; collection?: { kind: string; elementtype: { primitive?: string } } }) =>
      t.primitive ? `primitive:${t.primitive}` : t.collection ? `${t.collection.kind}:primitive:${t.collection.elementtype.primitive}` : t.fqn!;
    return Object.fromEntries((type.properties ?? []).filter((p) => KIND_OF_TYPE[key(p.type)] !== undefined).map((p) => [p.name, KIND_OF_TYPE[key(p.type)]]));
  };

  test.each([
    ['HardenedWebhookEndpointProps', ENDPOINT_PROP_KINDS],
    ['WebhookSourceOptions', SOURCE_OPTION_KINDS],
  ])('%s: every prop of a checked kind is checked, as the assembly types it', (name, kinds) => {
    expect(kinds).toEqual(kindsOf(name));
  });

  test('rejects a number for a Size or a Duration, and a string for a scheme, naming each with the fix', () => {
    // GIVEN an endpoint, WHEN a source is added from untyped code with three wrong kinds
    const endpoint = new HardenedWebhookEndpoint(new Stack(new App(), 'S'), 'E', { environment: 'dev', allowAnySourceIp: true });
    const wrong = { scheme: 'github', maxBodySize: 1000, dedupeWindow: 3600 } as unknown as WebhookSourceOptions;
    // THEN one error names all three and what to give instead
    expect(() => endpoint.addSource('b', wrong)).toThrow(
      /Invalid source "b":\n {2}- scheme is "github"; give a SignatureScheme, e\.g\. SignatureScheme\.github\(\)\n {2}- dedupeWindow is 3600 \(a number\); give a Duration, e\.g\. Duration\.minutes\(5\)\n {2}- maxBodySize is 1000 \(a number\); give a Size, e\.g\. Size\.kibibytes\(256\)/,
    );
  });

  test('rejects a string for a number among the endpoint props', () => {
    expect(() => new HardenedWebhookEndpoint(new Stack(new App(), 'S'), 'E', { environment: 'dev', allowAnySourceIp: true, rateLimit: '100' as unknown as number })).toThrow(
      /Invalid HardenedWebhookEndpointProps:\n {2}- rateLimit is "100"; give a number/,
    );
  });

  test('accepts the right kinds', () => {
    const endpoint = new HardenedWebhookEndpoint(new Stack(new App(), 'S'), 'E', { environment: 'dev', allowAnySourceIp: true });
    expect(() => endpoint.addSource('ok', { scheme: SignatureScheme.github(), dedupeWindow: Duration.hours(1), senderIpRanges: SenderIpRanges.published() })).not.toThrow();
  });
});
