import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { LARGEST_BODY_BYTES } from '../lib';
import { greaterThanPattern } from '../lib/runtime/body-limits';
import { defaultEndpoint } from './support/stacks';

// A body whose event Lambda would refuse never reaches a verifier: WAF answers it 413 on its
// Content-Length, so a sender gets a final answer instead of API Gateway's 5xx (retried for days).
describe('413 at WAF for bodies no verifier can be invoked with', () => {
  test('the pattern matches exactly the integers above the limit, leading zeros included', () => {
    const pattern = new RegExp(greaterThanPattern(LARGEST_BODY_BYTES));
    for (const n of [0, 1, LARGEST_BODY_BYTES - 1, LARGEST_BODY_BYTES]) expect(pattern.test(String(n))).toBe(false);
    for (const n of [LARGEST_BODY_BYTES + 1, 4_521_990, 4_530_000, 9_999_999, 10_485_760, 1e12]) expect(pattern.test(String(n))).toBe(true);
    expect(pattern.test(`000${LARGEST_BODY_BYTES + 1}`)).toBe(true);
    expect(pattern.test(`000${LARGEST_BODY_BYTES}`)).toBe(false);
    // Not a number at all: not this rule's business (API Gateway refuses a malformed Content-Length).
    for (const text of ['', ' 4521985', '4521985 ', '4.6e6', '-4521985', '4521985,1']) expect(pattern.test(text)).toBe(false);
  });

  test('for any limit and any number, the pattern says "greater" exactly when it is', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e12 }), fc.nat({ max: 1e13 }), fc.nat({ max: 3 }), (limit, n, zeros) => {
        expect(new RegExp(greaterThanPattern(limit)).test('0'.repeat(zeros) + String(n))).toBe(n > limit);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  test('the web ACL blocks such a Content-Length with 413 and a JSON body, after every other rule', () => {
    const { stack } = defaultEndpoint();
    const acl = Object.values(Template.fromStack(stack).findResources('AWS::WAFv2::WebACL'))[0] as any;
    const rules = acl.Properties.Rules;
    const rule = rules.find((r: { Name: string }) => r.Name === 'BodyTooLarge');
    expect(rule.Priority).toBe(rules.length - 1);
    expect(rule.Action.Block.CustomResponse).toEqual({ ResponseCode: 413, CustomResponseBodyKey: 'payload-too-large' });
    expect(rule.Statement.RegexMatchStatement.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
    expect(rule.Statement.RegexMatchStatement.RegexString).toBe(greaterThanPattern(LARGEST_BODY_BYTES));
    // WAF's limit on a regex is 512 characters.
    expect(rule.Statement.RegexMatchStatement.RegexString.length).toBeLessThanOrEqual(512);
    expect(acl.Properties.CustomResponseBodies['payload-too-large']).toEqual({ ContentType: 'APPLICATION_JSON', Content: '{"error":"Payload too large"}' });
  });
});
