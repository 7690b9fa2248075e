/**
 * Reviewer R2, issue 22 part 2 (claim-check). Each test fails on the tree as reviewed and names the finding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, NestedStack, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LARGEST_BODY_BYTES, SignatureScheme } from '../../lib';
import { defaultEndpoint, newProcessor, newStack } from '../support/stacks';
import { Statement, verifierPermissions } from '../support/verifier-policies';

function templates(stack: Stack): Template[] {
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
  return [stack, ...nested].map((s) => Template.fromStack(s));
}

function largeBodyEndpoint() {
  const stack = newStack();
  const processor = newProcessor(stack, Duration.seconds(30));
  const { endpoint } = defaultEndpoint({ processor }, stack);
  endpoint.addSource('github', { scheme: SignatureScheme.github(), maxBodySize: Size.mebibytes(4) });
  endpoint.addSource('big', { scheme: SignatureScheme.standardWebhooks(), maxBodySize: Size.bytes(LARGEST_BODY_BYTES), group: 'large' });
  return { stack, endpoint };
}

const actions = (s: Statement) => [s.Action ?? []].flat();

describe('R2-1 (high): the verifier can overwrite (and so destroy) a queued body under its prefix', () => {
  // lib/webhook-source.ts:461 grants s3:PutObject on <bucket>/<source>/* with no condition. If-None-Match
  // is only what the code sends (verifier.ts claimCheck), not what IAM enforces: a PutObject without it
  // (or a CreateMultipartUpload/CompleteMultipartUpload, also s3:PutObject) replaces a body already
  // queued. The bucket is unversioned, so the original bytes are gone; the consumer's sha256 check then
  // fails on a delivery that was acknowledged 200. The design ("the verifier must not be able to delete
  // queued bodies"), verifier.ts:414 ("cannot delete (nor overwrite)"), claim-check-bucket.ts:36/67 and
  // README:922 all claim otherwise. S3 has condition keys for exactly this (s3:if-none-match; see
  // "Enforce conditional writes on Amazon S3 buckets" in the S3 user guide).
  test('every verifier s3:PutObject statement requires If-None-Match (s3:if-none-match), or the bucket policy denies a put without it', () => {
    const { stack } = largeBodyEndpoint();
    const all = templates(stack);
    const bucketPolicyDenies = all
      .flatMap((t) => Object.values(t.findResources('AWS::S3::BucketPolicy')))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect === 'Deny' && actions(s).some((a) => a === 's3:PutObject' || a === 's3:*') && JSON.stringify(s.Condition ?? {}).includes('s3:if-none-match'));
    const verifiers = all.flatMap((t) => verifierPermissions(t.toJSON().Resources)).filter((v) => v.source !== 'billing');
    expect(verifiers.map((v) => v.source).sort()).toEqual(['big', 'github']);
    const unconditioned = verifiers.flatMap((v) =>
      v.statements
        .filter((s) => s.Effect === 'Allow' && actions(s).some((a) => a === 's3:PutObject'))
        .filter((s) => !JSON.stringify(s.Condition ?? {}).includes('s3:if-none-match'))
        .map(() => v.source),
    );
    // Either fix makes this pass: the condition on the verifier's grant, or a bucket-policy Deny.
    expect(bucketPolicyDenies.length > 0 ? [] : unconditioned).toEqual([]);
  });
});

describe('R2-2 (medium, docs wrong): README says a body too large for Lambda gets API Gateway\'s 5xx', () => {
  // lib/webhook-firewall.ts now has a BodyTooLarge rule (413 for Content-Length > LARGEST_BODY_BYTES)
  // that answers these before API Gateway. README "### Body size limits" (the "too large for Lambda"
  // and "over 10 MB" rows) still says Lambda refuses and API Gateway answers 5xx (which a sender
  // retries for days): the README contradicts the product, and the Responses table's 413 row names
  // only the verifier. README:495 still says maxBodySize is "at most 700 KiB today".
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const firewall = readFileSync(join(__dirname, '..', '..', 'lib', 'webhook-firewall.ts'), 'utf8');

  test('the firewall answers 413 above LARGEST_BODY_BYTES (what the README must describe)', () => {
    expect(firewall).toMatch(/name: 'BodyTooLarge'/);
  });

  test('the limits table does not promise a 5xx for bodies the WAF answers 413', () => {
    const row = readme.split('\n').find((l) => l.startsWith('| too large for Lambda'));
    expect(row).toBeDefined();
    expect(row).not.toMatch(/API Gateway answers 5xx/);
    expect(row).toMatch(/413/);
  });

  test('no stale "at most 700 KiB today" advice remains', () => {
    expect(readme).not.toMatch(/at most 700 KiB today/);
  });
});
