import { Duration } from 'aws-cdk-lib';
import { HmacAlgorithm, HmacSignedContent, SignatureEncoding, SignatureScheme, TimestampFormat } from '../lib';

// The construct side of the generic HMAC template: the options reach the runtime config as plain
// data, the scheme is built (and so checked) when the preset is called, at synth, with every problem at once.

describe('SignatureScheme.hmac with a template', () => {
  test('a Twitch-like template: its config, URL signing, window and bundle', () => {
    const scheme = SignatureScheme.hmac({
      algorithm: HmacAlgorithm.SHA256,
      signatureHeader: 'X-Sig',
      prefix: 'v1=',
      encoding: SignatureEncoding.BASE64URL,
      signedContent: HmacSignedContent.TEMPLATE,
      template: '{method} {url}\n{header:X-Id}.{timestamp}.{body}',
      timestampHeader: 'X-Ts',
      timestampFormat: TimestampFormat.ISO_8601,
      tolerance: Duration.minutes(10),
      eventIdHeader: 'X-Id',
    });
    expect(JSON.parse(scheme.toJson())).toEqual({
      type: 'hmac',
      algorithm: 'sha256',
      signatureHeader: 'X-Sig',
      prefix: 'v1=',
      encoding: 'base64url',
      signedContent: 'template',
      template: '{method} {url}\n{header:X-Id}.{timestamp}.{body}',
      timestampHeader: 'X-Ts',
      timestampFormat: 'iso8601',
      toleranceSeconds: 600,
      eventIdHeader: 'X-Id',
    });
    expect(scheme.signsUrl).toBe(true);
    expect(scheme.defaultTolerance?.toSeconds()).toBe(600);
    expect(scheme.requiredHeaders).toEqual(['x-sig', 'x-ts', 'x-id']);
    expect(scheme._family).toBe('generic-template');
  });

  test('a bad template fails when the preset is called, naming every problem and its fix', () => {
    expect(() =>
      SignatureScheme.hmac({
        algorithm: HmacAlgorithm.SHA256,
        signatureHeader: 'X-Sig',
        encoding: SignatureEncoding.HEX,
        signedContent: HmacSignedContent.TEMPLATE,
        template: '{timestamp}:{payload}',
        tolerance: Duration.hours(2),
      }),
    ).toThrow(
      /Invalid generic HMAC scheme:\n {2}- toleranceSeconds 7200 must be a whole number from 1 to 3600.*\n {2}- timestampFormat and toleranceSeconds need a timestampHeader.*\n {2}- template "\{timestamp\}:\{payload\}": \{payload\} is not a placeholder.*\n {2}- template "\{timestamp\}:\{payload\}" has \{timestamp\} but timestampHeader\/timestampKey is not set/,
    );
    expect(() =>
      SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Sig', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.TEMPLATE }),
    ).toThrow(/signedContent "template" needs template/);
  });

  test('a template without {body} binds no body, and says so (production then asks for an allowlist or an acknowledgement)', () => {
    const scheme = SignatureScheme.hmac({
      algorithm: HmacAlgorithm.SHA1,
      signatureHeader: 'X-Sig',
      encoding: SignatureEncoding.HEX,
      signedContent: HmacSignedContent.TEMPLATE,
      template: '{timestamp}:{header:X-Delivery}',
      timestampHeader: 'X-Ts',
      timestampFormat: TimestampFormat.UNIX_MILLISECONDS,
      eventIdHeader: 'X-Delivery',
    });
    expect(scheme.bodyBinding).toBe('unsigned');
    expect(scheme.signsUrl).toBe(false);
    expect(scheme.defaultTolerance?.toSeconds()).toBe(300);
  });

  test('a template without {body} must sign the delivery\'s id, and a header must be set off by literal text (found in review), each named with its fix', () => {
    // Without the body, duplicates key on the signed string: `{method}\n{url}\n{timestamp}` is the same
    // for every delivery in one second, and a constant header alone lets one signature stand for all.
    const base = { algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Sig', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.TEMPLATE };
    expect(() => SignatureScheme.hmac({ ...base, template: '{method}\n{url}\n{timestamp}', timestampHeader: 'X-Ts' })).toThrow(/signs no \{body\}, so it must sign each delivery's id: set eventIdHeader/);
    expect(() => SignatureScheme.hmac({ ...base, template: '{header:Content-Type}' })).toThrow(/signs no \{body\}, so it must sign each delivery's id/);
    // A nonce right before the body: `n1` + `a.b` would verify as `n1.a` + `b`.
    expect(() => SignatureScheme.hmac({ ...base, template: '{header:X-Nonce}{body}' })).toThrow(/\{header:X-Nonce\} is next to \{body\} with nothing between: put literal text between them/);
    expect(() => SignatureScheme.hmac({ ...base, template: '{header:X-A}{header:X-B}.{body}' })).toThrow(/Invalid generic HMAC scheme:[\s\S]*\{header:X-A\} is next to \{header:X-B\}[\s\S]*\{header:X-B\} is next to \{header:X-A\}/);
  });

  test('a Stripe-like signature list', () => {
    const scheme = SignatureScheme.hmac({
      algorithm: HmacAlgorithm.SHA256,
      signatureHeader: 'Stripe-Signature',
      signatureKey: 'v1',
      timestampKey: 't',
      encoding: SignatureEncoding.HEX,
      signedContent: HmacSignedContent.TEMPLATE,
      template: '{timestamp}.{body}',
    });
    expect(JSON.parse(scheme.toJson())).toMatchObject({ signatureKey: 'v1', timestampKey: 't' });
    expect(scheme.requiredHeaders).toEqual(['stripe-signature']);
    expect(scheme.defaultTolerance?.toSeconds()).toBe(300);
  });

  test('existing body schemes are unchanged: no new keys in their config', () => {
    const scheme = SignatureScheme.hmac({ algorithm: HmacAlgorithm.SHA256, signatureHeader: 'X-Sig', encoding: SignatureEncoding.HEX, signedContent: HmacSignedContent.BODY });
    expect(JSON.parse(scheme.toJson())).toEqual({ type: 'hmac', algorithm: 'sha256', signatureHeader: 'X-Sig', encoding: 'hex', signedContent: 'body' });
    expect(scheme.defaultTolerance).toBeUndefined();
  });
});
