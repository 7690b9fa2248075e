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
  // is only what the code sends (stages/enqueue.ts), not what IAM enforces: a PutObject without it
  // (or a CreateMultipartUpload/CompleteMultipartUpload, also s3:PutObject) replaces a body already
  // queued. The bucket is unversioned, so the original bytes are gone; the consumer's sha256 check then
  // fails on a delivery that was acknowledged 200. The design ("the verifier must not be able to delete
  // queued bodies"), stages/enqueue.ts ("cannot delete (nor overwrite)"), claim-check-bucket.ts:36/67 and
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

describe('R2-2 (low, docs incomplete): the Responses table\'s 413 names only the verifier', () => {
  // lib/webhook-firewall.ts's BodyTooLarge rule answers 413 (JSON {"error":"Payload too large"}, no
  // verifier outcome, counted only in WAF's <acl>-BodyTooLarge metric) for Content-Length above
  // LARGEST_BODY_BYTES. "Body size limits" now says so; the "Responses" table (both in docs/limits.md),
  // which the issue asks to "say exactly what size gets what", still lists 413 only as the verifier's `Malformed`.
  const limits = readFileSync(join(__dirname, '..', '..', 'docs', 'limits.md'), 'utf8');

  test('the firewall answers 413 above LARGEST_BODY_BYTES (what the Responses table must also say)', () => {
    const firewall = readFileSync(join(__dirname, '..', '..', 'lib', 'constructs', 'webhook-firewall.ts'), 'utf8');
    expect(firewall).toMatch(/name: 'BodyTooLarge'/);
    const responses = limits.slice(limits.indexOf('\n## Responses'), limits.indexOf('\n## Body size limits'));
    expect(responses).toContain('| 413');
    const rows413 = responses.split('\n').filter((l) => /^\| 413/.test(l));
    expect(rows413.join('\n')).toMatch(/WAF|BodyTooLarge/);
  });
});

describe('R2-4 (medium, docs wrong): what an operator reads about a claim-checked message\'s body lifetime', () => {
  // H3 keeps bodies 2 x max(queue, DLQ retention) + 1 days because a redrive (StartMessageMoveTask)
  // enqueues a message anew ("The redrive task resets the retention period", SQS developer guide): one
  // redrive late in the DLQ is covered, a second is not (the body expires: an acknowledged delivery lost).
  // "What your processor receives" (now docs/processor.md) said objects expire "after the queue's and
  // dead-letter queue's retention", and #### runbook-dead-letter-queue (now docs/runbook.md) said "the body
  // is the raw webhook" and to redrive, with no word that a claim-checked message (bodyEncoding s3) carries
  // a pointer, nor that redriving the same message again late in its life finds its body expired.
  const read = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');
  const section = (text: string, heading: string) => {
    const start = text.indexOf(heading);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = text.indexOf('\n#### ', start + heading.length);
    return text.slice(start, end < 0 ? undefined : end);
  };

  test('the consumer section states the lifecycle the construct sets (twice the longer retention, plus a day)', () => {
    const processor = read('docs/processor.md');
    expect(processor).toMatch(/twice the longer retention/);
    expect(processor).not.toMatch(/objects expire after\s+the queue's and dead-letter queue's retention/);
  });

  test('the dead-letter runbook tells the operator about claim-checked bodies and the one covered redrive', () => {
    const runbook = section(read('docs/runbook.md'), '#### runbook-dead-letter-queue');
    expect(runbook).toMatch(/bodyEncoding|claim-check|bodyBucket|body bucket/);
    expect(runbook).toMatch(/redriv[a-z]* (?:again|twice|a second time)|second redrive|one redrive/);
  });
});

