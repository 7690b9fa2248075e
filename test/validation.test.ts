import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, HmacAlgorithm, HmacSignedContent, SignatureEncoding, SignatureScheme, WebhookSourceOptions } from '../lib';
import { checkCidr } from '../lib/constructs/validation';
import { newStack } from './support/stacks';

const scheme = SignatureScheme.standardWebhooks();
const ok: HardenedWebhookEndpointProps = { environment: 'prod', endpointName: 'hooks', allowedSourceCidrs: ['203.0.113.0/24'], alarmEmail: 'oncall@example.com' };

function build(props: HardenedWebhookEndpointProps, source: Partial<WebhookSourceOptions> = {}) {
  const stack = newStack();
  const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', props);
  endpoint.addSource('billing', { scheme, ...source });
  return () => Template.fromStack(stack);
}

describe('endpoint props', () => {
  test.each<[string, HardenedWebhookEndpointProps, RegExp]>([
    ['a CIDR does not parse', { ...ok, allowedSourceCidrs: ['203.0.113.300/24'] }, /"203\.0\.113\.300\/24" is not an IPv4 or IPv6 CIDR/],
    ['a CIDR has no prefix', { ...ok, allowedSourceCidrs: ['203.0.113.7'] }, /write "203\.0\.113\.7\/32"/],
    ['a CIDR has host bits', { ...ok, allowedSourceCidrs: ['203.0.113.7/24'] }, /the network address is "203\.0\.113\.0\/24"/],
    ['a CIDR is /0', { ...ok, allowedSourceCidrs: ['0.0.0.0/0'] }, /allowAnySourceIp: true/],
    ['an IPv6 CIDR has host bits', { ...ok, allowedSourceCidrs: ['2001:db8::1/64'] }, /"2001:db8::\/64"/],
    ['the allowlist is empty', { ...ok, allowedSourceCidrs: [] }, /allowedSourceCidrs is empty/],
    ['allowlist and allow-any are both set', { ...ok, allowAnySourceIp: true }, /contradict/],
    ['prod has no alarm destination', { ...ok, alarmEmail: undefined }, /production but has no alarm destination; set alarmEmail or alarmTopic/],
    ['the alarm email is not an address', { ...ok, alarmEmail: 'oncall' }, /alarmEmail "oncall" is not an email address/],
    ['the rate limit is under WAF\'s minimum of 10', { ...ok, rateLimit: 5 }, /rateLimit 5 is outside WAF's 10/],
    ['the rate window is not one WAF supports', { ...ok, rateLimitWindow: Duration.minutes(3) }, /rateLimitWindow 180s .* use 1, 2, 5 or 10 minutes/],
    ['the TLS policy allows TLS 1.0', { ...ok, securityPolicy: 'TLS_1_0' }, /securityPolicy "TLS_1_0" is not a TLS 1\.2\+ enhanced policy/],
    ['the environment name is not a name', { ...ok, environment: 'Prod Env' }, /environment "Prod Env" must be/],
    ['maxReceiveCount is 0', { ...ok, maxReceiveCount: 0 }, /maxReceiveCount 0/],
    ['the runtime is not Node.js', { ...ok, runtime: lambda.Runtime.PYTHON_3_13 }, /runtime python3\.13 is not Node\.js/],
    ['the batch size exceeds SQS\'s 10', { ...ok, processorBatchSize: 25, processor: lambda.Function.fromFunctionName(newStack(), 'P', 'p') }, /processorBatchSize 25 must be a whole number from 1 to 10/],
    ['a batch size is set without a processor', { ...ok, processorBatchSize: 5 }, /processorBatchSize is set but there is no processor/],
    ['the tracing sample rate is a percentage', { ...ok, tracingSampleRate: 5 }, /tracingSampleRate 5 is outside 0\.\.1 .*1 traces every request/],
    ['the tracing reservoir is negative', { ...ok, tracingReservoir: -1 }, /tracingReservoir -1 must be a whole number/],
  ])('fails if %s, naming the value and the fix', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('fails if a custom domain allows TLS 1.0', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:us-east-1:123456789012:certificate/x');
    expect(() => new HardenedWebhookEndpoint(stack, 'W', { ...ok, customDomain: { domainName: 'h.example.com', certificate, securityPolicy: apigw.SecurityPolicy.TLS_1_0 } })).toThrow(
      /customDomain\.securityPolicy TLS_1_0 allows TLS 1\.0/,
    );
  });

  test.each([
    [apigw.SecurityPolicy.TLS_1_2, /customDomain\.securityPolicy TLS_1_2 is the legacy policy: it admits CBC and non-forward-secret suites and no STRICT endpoint access; omit it \(default apigw\.SecurityPolicy\.TLS13_1_2_PFS_PQ_2025_09\)/],
    [apigw.SecurityPolicy.TLS12_2018_EDGE, /customDomain\.securityPolicy SecurityPolicy_TLS12_2018_EDGE is not an enhanced TLS 1\.2\+ policy for a Regional domain/],
  ])('fails if a custom domain uses %s', (securityPolicy, message) => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:us-east-1:123456789012:certificate/x');
    expect(() => new HardenedWebhookEndpoint(stack, 'W', { ...ok, customDomain: { domainName: 'h.example.com', certificate, securityPolicy } })).toThrow(message);
  });

  test('a custom domain accepts another enhanced policy, with STRICT endpoint access', () => {
    const stack = newStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'C', 'arn:aws:acm:us-east-1:123456789012:certificate/x');
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', { ...ok, customDomain: { domainName: 'h.example.com', certificate, securityPolicy: apigw.SecurityPolicy.TLS13_1_3_2025_09 } });
    endpoint.addSource('s', { scheme: SignatureScheme.github() });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::DomainName', { SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', EndpointAccessMode: 'STRICT' });
  });

  test('reports every problem at once', () => {
    expect(() => build({ environment: 'prod', allowedSourceCidrs: ['nope'], rateLimit: 1 })).toThrow(
      /not an IPv4[\s\S]*no alarm destination[\s\S]*rateLimit 1/,
    );
  });

  test('fails if the production allowlist problem of sources given as props waits for the other problems to be fixed', () => {
    // GIVEN production props with no alarm destination and a source that would accept any IP
    const props: HardenedWebhookEndpointProps = { environment: 'prod', endpointName: 'hooks', sources: { billing: { scheme } } };
    // WHEN the endpoint is built
    // THEN one error lists both, so the user fixes them in one round
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W', props)).toThrow(/no alarm destination[\s\S]*source\(s\) billing accept any IP/);
  });

  test('fails if the production allowlist rule waits for the other problems when sources are added later (addSource)', () => {
    // GIVEN production props with no alarm destination and no allowlist, sources to come with addSource
    const props: HardenedWebhookEndpointProps = { environment: 'prod', endpointName: 'hooks' };
    // WHEN the endpoint is built THEN the allowlist rule comes out with the alarm problem, in one round
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W', props)).toThrow(
      /no alarm destination[\s\S]*has no endpoint allowlist: every source you add will need its own allowedSourceCidrs; or set allowedSourceCidrs here/,
    );
  });

  test('fails if the problems of sources given as props wait for the endpoint\'s props to be fixed', () => {
    // GIVEN props with a bad rate limit and sources with a bad body cap, a bad CIDR and a no-op replay opt-in
    const props: HardenedWebhookEndpointProps = {
      ...ok,
      rateLimit: 1,
      sources: {
        a: { scheme, maxBodySize: Size.bytes(0) },
        b: { scheme, allowedSourceCidrs: ['github'] },
        c: { scheme: SignatureScheme.github(), allowUnlimitedReplays: true },
      },
    };
    // WHEN the endpoint is built THEN every one is in the same error
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W', props)).toThrow(
      /rateLimit 1[\s\S]*maxBodySize 0 bytes[\s\S]*source "b" allowedSourceCidrs: "github"[\s\S]*source "c": allowUnlimitedReplays has no effect while deduplication is on/,
    );
  });

  test('fails if production\'s replay rule for sources given as props waits for the other problems to be fixed', () => {
    // GIVEN production without deduplication or alarm destination, and a GitHub source (no signed timestamp)
    const props: HardenedWebhookEndpointProps = { ...ok, alarmEmail: undefined, deduplication: false, sources: { gh: { scheme: SignatureScheme.github() } } };
    // WHEN the endpoint is built THEN both problems come out together
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W', props)).toThrow(/no alarm destination[\s\S]*source\(s\) gh sign no timestamp/);
  });

  test('fails at synth if prod lets any IP reach a source', () => {
    const synth = build({ environment: 'prod', endpointName: 'hooks', alarmEmail: 'oncall@example.com' });
    expect(synth).toThrow(/source\(s\) billing accept any IP; set allowedSourceCidrs .* or allowAnySourceIp: true/);
  });

  test('prod is fine when every source has its own allowlist, or allow-any is explicit', () => {
    expect(() => build({ environment: 'prod', endpointName: 'hooks', alarmEmail: 'a@example.com' }, { allowedSourceCidrs: ['192.0.2.0/24'] })()).not.toThrow();
    expect(() => build({ environment: 'prod', endpointName: 'hooks', alarmEmail: 'a@example.com', allowAnySourceIp: true })()).not.toThrow();
  });

  test('the default environment is prod: its checks apply unless relaxed on purpose', () => {
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W')).toThrow(/"prod" is production but has no alarm destination/);
    expect(() => build({ environment: 'dev' })()).not.toThrow();
  });

  test.each(['prod', 'production', undefined])('fails if production (%s) has no endpointName, naming the derived name to pin', (environment) => {
    // GIVEN a production endpoint (prod is also the default) that is otherwise valid
    const props: HardenedWebhookEndpointProps = { ...ok, environment, endpointName: undefined };
    // WHEN it is built
    // THEN it is refused: path-derived names change on a rename, replacing the secrets; the message
    // gives the name today's path derives, so an existing deployment keeps its secrets
    expect(() => build(props)).toThrow(/is production but endpointName is not set; .*renamed, which replaces the API, web ACL and secrets.* Set endpointName: "Test-Webhooks-[0-9A-F]{8}" to keep today's names/);
  });

  test('outside production the endpoint name may still be derived from the construct path', () => {
    // GIVEN a staging endpoint without endpointName
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'staging' });
    // WHEN a source is added
    endpoint.addSource('billing', { scheme });
    // THEN the path names it, as before
    expect(endpoint.endpointName).toMatch(/^Test-?Webhooks-[0-9A-F]{8}$/);
  });

  test('fails at synth if the endpoint has no source', () => {
    const stack = newStack();
    new HardenedWebhookEndpoint(stack, 'W', { environment: 'dev' });
    expect(() => Template.fromStack(stack)).toThrow(/no source; add one with addSource/);
  });
});

describe('source options', () => {
  const dev: HardenedWebhookEndpointProps = { environment: 'dev' };
  test.each<[string, Partial<WebhookSourceOptions>, RegExp]>([
    ['the tolerance is 0', { timestampTolerance: Duration.seconds(0) }, /timestampTolerance 0s is outside 1s\.\.3600s/],
    ['the tolerance is 2 hours', { timestampTolerance: Duration.hours(2) }, /timestampTolerance 7200s/],
    ['the body cap exceeds what a synchronous Lambda invocation carries', { maxBodySize: Size.mebibytes(5) }, /maxBodySize 5242880 bytes is outside 1\.\.4521984 \(LARGEST_BODY_BYTES/],
    ['the grace period is not shorter than the rotation interval', { rotationInterval: Duration.days(1), gracePeriod: Duration.days(1) }, /gracePeriod \(86400s\) must be shorter than rotationInterval/],
    ['rotation is more often than every 4 hours', { rotationInterval: Duration.hours(1), gracePeriod: Duration.minutes(10) }, /rotationInterval 1h must be a whole number of hours from 4 hours/],
    ['rotation is not a whole number of hours', { rotationInterval: Duration.minutes(270), gracePeriod: Duration.hours(1) }, /rotationInterval 4\.5h must be a whole number of hours/],
    ['both an interval and a schedule expression are given', { rotationInterval: Duration.days(7), rotationScheduleExpression: 'rate(7 days)' }, /not both/],
    ['the schedule expression is not one', { rotationScheduleExpression: 'every monday' }, /"every monday" is not a Secrets Manager schedule/],
    ['an imported key is given a rotation schedule', { scheme: SignatureScheme.stripe(), rotationInterval: Duration.days(7) }, /keys imported from the sender are not rotated here/],
    ['reserved concurrency is 0', { reservedConcurrency: 0 }, /reservedConcurrency 0/],
    ['the timeout exceeds API Gateway\'s', { timeout: Duration.seconds(30) }, /timeout 30s is outside 3s\.\.28s/],
    ['the cache TTL is 0', { secretCacheTtl: Duration.seconds(0) }, /secretCacheTtl 0s/],
    ['the dedupe window is shorter than twice the tolerance', { dedupeWindow: Duration.minutes(5) }, /dedupeWindow 300s must be from 600s \(the longest a signed request can be replayed\)/],
    ['a source CIDR does not parse', { allowedSourceCidrs: ['github'] }, /source "billing" allowedSourceCidrs: "github" is not an IPv4/],
    ['a tolerance is set for a scheme that signs no timestamp', { scheme: SignatureScheme.github(), timestampTolerance: Duration.minutes(10) }, /timestampTolerance is set, but github signs no timestamp, so it would check nothing; remove it/],
  ])('fails if %s', (_name, source, message) => {
    expect(() => build(dev, source)).toThrow(message);
  });

  test('fails if the name cannot be a route, or is taken', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'W', dev);
    expect(() => endpoint.addSource('Billing/../x', { scheme })).toThrow(/source name "Billing\/\.\.\/x" must be 1-40 characters/);
    endpoint.addSource('billing', { scheme });
    expect(() => endpoint.addSource('billing', { scheme })).toThrow(/source "billing" already exists/);
  });

  test('fails if a generic HMAC scheme would check a timestamp its signature does not cover', () => {
    expect(() => SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Sig', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.BODY, timestampHeader: 'X-Ts' })).toThrow(/does not cover/);
  });

  test('fails if a generic HMAC scheme names a header that cannot exist, or one header twice', () => {
    const base = { algorithm: HmacAlgorithm.SHA256, encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.TIMESTAMP_BODY } as const;
    expect(() => SignatureScheme.hmac({ ...base, signatureHeader: '', timestampHeader: 'X-Ts' })).toThrow(/signatureHeader "" is not an HTTP header name: give the header the sender sends/);
    expect(() => SignatureScheme.hmac({ ...base, signatureHeader: 'X-Sig', timestampHeader: 'X Ts' })).toThrow(/timestampHeader "X Ts" is not an HTTP header name/);
    expect(() => SignatureScheme.hmac({ ...base, signatureHeader: 'X-Sig', timestampHeader: 'X-Ts', eventIdHeader: 'x-ts' })).toThrow(
      /eventIdHeader "x-ts" is also the timestampHeader: the signature, timestamp, event id and event type must each come in their own header/,
    );
    expect(() => SignatureScheme.hmac({ ...base, signedContent: HmacSignedContent.BODY, timestampHeader: undefined, signatureHeader: 'X-Sig', eventIdHeader: 'X-SIG' })).toThrow(
      /eventIdHeader "X-SIG" is also the signatureHeader/,
    );
  });

  test('checks sources given as props too', () => {
    expect(() => new HardenedWebhookEndpoint(newStack(), 'W', { ...dev, sources: { x: { scheme, maxBodySize: Size.bytes(0) } } })).toThrow(/maxBodySize 0 bytes/);
  });
});

describe('replays of sources that sign no timestamp', () => {
  const noDedupe: HardenedWebhookEndpointProps = { ...ok, deduplication: false };
  const shopify = SignatureScheme.shopify();
  const github = SignatureScheme.github();
  const bodyOnly = SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Sig', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.BODY });

  function endpointWith(props: HardenedWebhookEndpointProps, sources: Record<string, WebhookSourceOptions>) {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', props);
    for (const [name, options] of Object.entries(sources)) endpoint.addSource(name, options);
    return stack;
  }

  test('fails at synth if production turns deduplication off for them, listing each and both fixes', () => {
    // GIVEN production without deduplication, three sources without a signed timestamp and one with
    const stack = endpointWith(noDedupe, { gh: { scheme: github }, shop: { scheme: shopify }, custom: { scheme: bodyOnly }, billing: { scheme } });
    // WHEN it is synthesized
    // THEN it is refused, naming those three (not billing, whose timestamp bounds replays) and both fixes
    expect(() => Template.fromStack(stack)).toThrow(
      /deduplication is off and source\(s\) gh, shop, custom sign no timestamp, so a captured delivery can be replayed without limit .*keep deduplication on \(the default\), or set allowUnlimitedReplays: true on each/,
    );
  });

  test('production accepts it when each such source sets allowUnlimitedReplays', () => {
    // GIVEN the same sources, each acknowledging unlimited replays
    const stack = endpointWith(noDedupe, { gh: { scheme: github, allowUnlimitedReplays: true }, shop: { scheme: shopify, allowUnlimitedReplays: true }, billing: { scheme } });
    // WHEN it is synthesized THEN it succeeds
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('outside production it is a warning on each such source instead', () => {
    // GIVEN a dev endpoint without deduplication and a GitHub source
    const stack = endpointWith({ environment: 'dev', deduplication: false }, { gh: { scheme: github }, billing: { scheme } });
    // WHEN it is synthesized
    const annotations = Annotations.fromStack(stack);
    // THEN it succeeds with one warning, on the GitHub source, naming the risk and the fixes
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('allowUnlimitedReplays'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Test/Webhooks/Source-gh');
    expect(String(warnings[0].entry.data)).toMatch(/source "gh" signs no timestamp and deduplication is off: a captured delivery can be replayed without limit/);
  });

  test.each<[string, HardenedWebhookEndpointProps, SignatureScheme, RegExp]>([
    ['deduplication is on', { ...ok }, github, /source "gh": allowUnlimitedReplays has no effect while deduplication is on .*; remove it/],
    ['the scheme signs a timestamp', noDedupe, SignatureScheme.stripe(), /source "gh": allowUnlimitedReplays has no effect because its scheme signs a timestamp .*; remove it/],
  ])('rejects allowUnlimitedReplays where it has no effect: %s', (_name, props, sourceScheme, message) => {
    // GIVEN a source acknowledging unlimited replays that cannot happen
    // WHEN it is added THEN it is refused, so nothing configured is silently ignored
    expect(() => endpointWith(props, { gh: { scheme: sourceScheme, allowUnlimitedReplays: true } })).toThrow(message);
  });
});

describe('checkCidr', () => {
  test.each([
    ['10.0.0.0/8', 'IPV4'],
    ['203.0.113.7/32', 'IPV4'],
    ['2001:db8::/32', 'IPV6'],
    ['::ffff:203.0.113.0/120', 'IPV6'],
    ['2001:db8:1234::/48', 'IPV6'],
  ])('accepts %s', (cidr, version) => {
    expect(checkCidr(cidr)).toEqual({ version });
  });
  test.each(['', '/24', '10.0.0.0/33', '10.0.0.0/x', '2001:db8::/129', 'fe80::1%eth0/64', ' 10.0.0.0/8'])('rejects %p', (cidr) => {
    expect(checkCidr(cidr)).toHaveProperty('problem');
  });
});

describe('sources whose credential binds no body (static tokens, Basic auth)', () => {
  // GitLab's X-Gitlab-Token and Okta's authorization header bind no body: whoever learns them can post any body.
  const gitlab = SignatureScheme.gitlab();
  const okta = SignatureScheme.okta();
  const anyIp: HardenedWebhookEndpointProps = { environment: 'prod', endpointName: 'hooks', allowAnySourceIp: true, alarmEmail: 'oncall@example.com' };

  function endpointWith(props: HardenedWebhookEndpointProps, sources: Record<string, WebhookSourceOptions>) {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', props);
    for (const [name, options] of Object.entries(sources)) endpoint.addSource(name, options);
    return stack;
  }

  test('say so on the scheme', () => {
    expect([gitlab.bodyBinding, okta.bodyBinding, SignatureScheme.github().bodyBinding]).toEqual(['unsigned', 'unsigned', 'signed']);
  });

  test('production refuses them from any IP (allowAnySourceIp does not count), naming each and both fixes', () => {
    const stack = endpointWith(anyIp, { gl: { scheme: gitlab }, okta: { scheme: okta }, gh: { scheme: SignatureScheme.github() } });
    expect(() => Template.fromStack(stack)).toThrow(
      /source\(s\) gl, okta authenticate with a shared credential that does not bind the body and accept any IP.*set allowedSourceCidrs on the source \(or the endpoint\) to the sender's published ranges, or allowUnsignedBodyFromAnyIp: true/,
    );
  });

  test('production refuses them when given at construction too, with the other problems', () => {
    expect(() => new HardenedWebhookEndpoint(newStack(), 'Webhooks', { ...anyIp, sources: { gl: { scheme: gitlab } } })).toThrow(/source\(s\) gl authenticate with a shared credential/);
  });

  test('production accepts them behind an allowlist (the source own or the endpoint), or with the acknowledgement', () => {
    expect(() => Template.fromStack(endpointWith(anyIp, { gl: { scheme: gitlab, allowedSourceCidrs: ['34.74.90.64/28'] } }))).not.toThrow();
    expect(() => Template.fromStack(endpointWith(ok, { gl: { scheme: gitlab } }))).not.toThrow();
    expect(() => Template.fromStack(endpointWith(anyIp, { gl: { scheme: gitlab, allowUnsignedBodyFromAnyIp: true } }))).not.toThrow();
  });

  test('outside production it is a warning on each such source', () => {
    const stack = endpointWith({ environment: 'dev' }, { gl: { scheme: gitlab }, gh: { scheme: SignatureScheme.github() } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('allowUnsignedBodyFromAnyIp'));
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Webhooks/Source-gl']);
  });

  test('the acknowledgement on a scheme that binds the body is refused, so nothing configured is silently ignored', () => {
    expect(() => endpointWith(ok, { gh: { scheme: SignatureScheme.github(), allowUnsignedBodyFromAnyIp: true } })).toThrow(
      /source "gh": allowUnsignedBodyFromAnyIp has no effect because its scheme \(github\) binds the body \(signed\); remove it/,
    );
  });
});

describe('what the new senders hand over', () => {
  test('Asana\'s X-Hook-Secret (the signing key its handshake hands over) is redacted from the WAF logs beside its signature header', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev', wafLogAllowedRequests: true });
    endpoint.addSource('asana', { scheme: SignatureScheme.asana() });
    const logging = Template.fromStack(stack).findResources('AWS::WAFv2::LoggingConfiguration');
    const redacted = Object.values(logging).flatMap((r) => (r.Properties as { RedactedFields?: { SingleHeader?: { Name: string } }[] }).RedactedFields ?? []).map((f) => f.SingleHeader?.Name);
    expect(redacted).toEqual(expect.arrayContaining(['x-hook-signature', 'x-hook-secret']));
    expect(SignatureScheme.asana().redactedHeaders).toEqual(['x-hook-signature', 'x-hook-secret']);
  });

  test('a sender whose credential is a field of the body (Microsoft Graph\'s clientState) gets a synth warning saying it travels to the queue', () => {
    const stack = newStack();
    const endpoint = new HardenedWebhookEndpoint(stack, 'Webhooks', { environment: 'dev' });
    endpoint.addSource('graph', { scheme: SignatureScheme.microsoftGraph(), allowedSourceCidrs: ['52.96.0.0/14'] });
    endpoint.addSource('gh', { scheme: SignatureScheme.github() });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('travels to the queue'));
    expect(warnings.map((w) => w.id)).toEqual(['/Test/Webhooks/Source-graph']);
  });
});
