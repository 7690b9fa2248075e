import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { HardenedWebhookEndpoint, HardenedWebhookEndpointProps, SignatureScheme } from '../lib';
import { defaultEndpoint, newProcessor, newStack } from './support/stacks';

type Resource = { Properties: Record<string, any> };

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:existing';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:existing-dlq';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** A queue of this app with its own dead-letter queue, as a user would bring it. */
function ownQueue(stack = newStack(), props: sqs.QueueProps = {}) {
  const deadLetterQueue = new sqs.Queue(stack, 'MyDlq');
  const queue = new sqs.Queue(stack, 'MyQueue', { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 }, visibilityTimeout: Duration.minutes(5), ...props });
  return { stack, queue, deadLetterQueue };
}

/** Every statement of every IAM policy (inline and managed) in the template. */
function statements(t: Template): any[] {
  return [...Object.values(t.findResources('AWS::IAM::ManagedPolicy')), ...Object.values(t.findResources('AWS::IAM::Policy'))].flatMap(
    (p) => (p as Resource).Properties.PolicyDocument.Statement,
  );
}

function warnings(stack: ReturnType<typeof newStack>, id: string): string[] {
  return Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp(id))
    .map((w) => String(w.entry.data));
}

describe('a queue you bring: its own settings apply, nothing is dropped silently', () => {
  test.each<[string, (q: sqs.IQueue) => HardenedWebhookEndpointProps, RegExp]>([
    [
      'maxReceiveCount',
      (queue) => ({ queue, maxReceiveCount: 3 }),
      /maxReceiveCount 3 has no effect with a queue you bring \(Test\/MyQueue\): that queue's own redrive policy decides .* \(5 there\); remove maxReceiveCount and set deadLetterQueue: \{ queue, maxReceiveCount \} on your queue/,
    ],
    [
      'queueRetentionPeriod',
      (queue) => ({ queue, queueRetentionPeriod: Duration.days(1) }),
      /queueRetentionPeriod 86400s has no effect with a queue you bring \(Test\/MyQueue\): that queue's own retention period applies \(SQS's default of 4 days there\); remove queueRetentionPeriod and set retentionPeriod on your queue/,
    ],
  ])('rejects %s with a queue you bring, saying what applies instead', (_name, props, message) => {
    // GIVEN a queue of this app with its own redrive policy and retention
    const { stack, queue } = ownQueue();
    // WHEN the endpoint is also given a setting only a queue it creates would take
    // THEN it is refused, naming the brought queue's setting that applies and where to set it
    expect(() => defaultEndpoint(props(queue), stack)).toThrow(message);
  });

  test('rejects processorTimeout with an imported queue, whose visibility timeout it cannot check', () => {
    // GIVEN an imported queue, whose visibility timeout CDK cannot read
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN);
    // WHEN a processorTimeout is given THEN it is refused: it would size and check nothing
    expect(() => defaultEndpoint({ queue, processorTimeout: Duration.minutes(1) }, stack)).toThrow(
      /processorTimeout has no effect with a queue you bring whose visibility timeout cannot be read here \(arn:aws:sqs:us-east-1:123456789012:existing, imported\).*make sure your queue's visibility timeout is at least 6× your consumer's timeout/,
    );
  });
});

describe('a queue you bring: visibility timeout', () => {
  test('fails if it is shorter than 6× the processor\'s timeout', () => {
    // GIVEN a processor with a 60 s timeout and a queue of this app with a 2 minute visibility timeout
    const stack = newStack();
    const processor = newProcessor(stack, Duration.seconds(60));
    const { queue } = ownQueue(stack, { visibilityTimeout: Duration.minutes(2) });
    // WHEN the endpoint consumes it THEN synth refuses, naming both values and the timeout to set
    expect(() => defaultEndpoint({ queue, processor }, stack)).toThrow(
      /visibility timeout of the queue you bring \(Test\/MyQueue\) is 120s, shorter than 6× the consumer's timeout \(6 × 60s = 360s, at most 12 hours\).*set visibilityTimeout: Duration\.seconds\(360\) on that queue/,
    );
  });

  test('fails if SQS\'s default 30 s is shorter than 6× the processorTimeout of your own consumer', () => {
    // GIVEN a queue of this app without a visibility timeout, consumed elsewhere with a 10 s timeout
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'MyQueue', { deadLetterQueue: { queue: new sqs.Queue(stack, 'MyDlq'), maxReceiveCount: 5 } });
    // WHEN processorTimeout says so THEN synth refuses
    expect(() => defaultEndpoint({ queue, processorTimeout: Duration.seconds(10) }, stack)).toThrow(/is 30s, shorter than 6× the consumer's timeout \(6 × 10s = 60s/);
  });

  test('fails if it says nothing when it cannot read an imported queue\'s visibility timeout: a synth warning', () => {
    // GIVEN a 60 s processor consuming an imported queue
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN);
    defaultEndpoint({ queue, processor: newProcessor(stack, Duration.seconds(60)), deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', DLQ_ARN) }, stack);
    // WHEN synthesized THEN it warns, giving the visibility timeout the queue needs
    expect(warnings(stack, 'visibilityTimeoutNotVisible')).toEqual([
      expect.stringMatching(/CDK cannot read the visibility timeout of the queue you bring \(arn:aws:sqs:us-east-1:123456789012:existing, imported\): make sure it is at least 6× the processor's timeout \(360s\)/),
    ]);
  });

  test('accepts a queue whose visibility timeout covers 6× the processor\'s, and skips what it cannot see', () => {
    // GIVEN a 60 s processor with a 6 minute queue, and an imported processor (timeout unknown) with a 30 s queue
    const stack = newStack();
    const { queue } = ownQueue(stack, { visibilityTimeout: Duration.minutes(6) });
    const otherStack = newStack();
    const imported = lambda.Function.fromFunctionArn(otherStack, 'P', 'arn:aws:lambda:us-east-1:123456789012:function:p');
    const { queue: shortQueue } = ownQueue(otherStack, { visibilityTimeout: Duration.seconds(30) });
    // WHEN each is synthesized THEN both succeed
    expect(() => defaultEndpoint({ queue, processor: newProcessor(stack, Duration.seconds(60)) }, stack).template()).not.toThrow();
    expect(() => defaultEndpoint({ queue: shortQueue, processor: imported }, otherStack).template()).not.toThrow();
  });
});

describe('a queue you bring: dead-letter alarm', () => {
  function deadLetterAlarms(t: Template): Resource[] {
    return Object.entries(t.findResources('AWS::CloudWatch::Alarm'))
      .filter(([id]) => id.includes('DeadLetterQueue'))
      .map(([, r]) => r as Resource);
  }
  const withoutDimensions = (alarm: Resource) => ({ ...alarm.Properties, Dimensions: undefined });

  test('fails if a sqs.Queue you bring gets no alarm on its dead-letter queue: it gets the endpoint\'s own', () => {
    // GIVEN the endpoint's own dead-letter alarm, and a queue of this app with a dead-letter queue
    const own = deadLetterAlarms(defaultEndpoint().template());
    const { stack, queue } = ownQueue();
    // WHEN that queue is brought
    const { endpoint, template } = defaultEndpoint({ queue }, stack);
    // THEN the same alarm watches the brought dead-letter queue, and the endpoint exposes it
    const brought = deadLetterAlarms(template());
    expect(brought).toHaveLength(1);
    expect(withoutDimensions(brought[0])).toEqual(withoutDimensions(own[0]));
    expect(brought[0].Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^MyDlq/), 'QueueName'] } }]);
    expect(endpoint.deadLetterQueue).toBe(queue.deadLetterQueue?.queue);
  });

  test('fails if an imported queue\'s dead-letter queue, given as deadLetterQueue, is not alarmed on', () => {
    // GIVEN an imported queue and its imported dead-letter queue
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN);
    const deadLetterQueue = sqs.Queue.fromQueueArn(stack, 'ExistingDlq', DLQ_ARN);
    // WHEN both are given
    const t = defaultEndpoint({ queue, deadLetterQueue }, stack).template();
    // THEN the dead-letter alarm watches the given queue, and no warning about it is left
    const alarms = deadLetterAlarms(t);
    expect(alarms).toHaveLength(1);
    expect(alarms[0].Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: 'existing-dlq' }]);
    expect(warnings(stack, 'dead-letter')).toEqual([]);
  });

  test('fails if it says nothing when it cannot see a dead-letter queue: a synth warning per case', () => {
    // GIVEN an imported queue without deadLetterQueue, and a queue of this app without a redrive policy
    const stack = newStack();
    defaultEndpoint({ queue: sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN), queueEncryptionKey: kms.Key.fromKeyArn(stack, 'QK', KEY_ARN) }, stack);
    const otherStack = newStack();
    defaultEndpoint({ queue: new sqs.Queue(otherStack, 'Bare') }, otherStack);
    // WHEN synthesized THEN each warns, naming the queue and the fix, and makes no dead-letter alarm
    expect(warnings(stack, 'dead-letter')).toEqual([expect.stringMatching(/CDK cannot see the dead-letter queue of the queue you bring \(arn:aws:sqs:us-east-1:123456789012:existing, imported\).*pass deadLetterQueue/)]);
    expect(warnings(otherStack, 'dead-letter')).toEqual([expect.stringMatching(/the queue you bring \(Test\/Bare\) has no dead-letter queue: .*give it deadLetterQueue: \{ queue, maxReceiveCount \}/)]);
  });

  test.each<[string, () => { stack: ReturnType<typeof newStack>; props: HardenedWebhookEndpointProps }, RegExp]>([
    ['without queue', () => ({ stack: newStack(), props: {} }), /deadLetterQueue is set but the endpoint creates the queue and its own dead-letter queue/],
    [
      'naming another queue than the brought queue\'s redrive policy',
      () => {
        const { stack, queue } = ownQueue();
        return { stack, props: { queue } };
      },
      /deadLetterQueue \(arn:aws:sqs:us-east-1:123456789012:existing-dlq\) is not the dead-letter queue of the queue you bring \(Test\/MyQueue\), whose redrive policy names Test\/MyDlq/,
    ],
    [
      'for a brought queue without a redrive policy',
      () => {
        const stack = newStack();
        return { stack, props: { queue: new sqs.Queue(stack, 'Bare') } };
      },
      /deadLetterQueue is set but the queue you bring \(Test\/Bare\) has no redrive policy, so no message would ever reach it/,
    ],
  ])('rejects deadLetterQueue %s', (_name, given, message) => {
    // GIVEN a deadLetterQueue that no message of the endpoint's queue would reach
    const { stack, props } = given();
    const deadLetterQueue = sqs.Queue.fromQueueArn(stack, 'Dlq', DLQ_ARN);
    // WHEN the endpoint is built THEN it is refused
    expect(() => defaultEndpoint({ ...props, deadLetterQueue }, stack)).toThrow(message);
  });
});

describe('a queue you bring: its encryption key', () => {
  const viaSqs = { StringEquals: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' } };

  test('the verifier gets kms:GenerateDataKey and kms:Decrypt through SQS on the key of a sqs.Queue you bring', () => {
    // GIVEN a queue of this app encrypted with a key of this app
    const stack = newStack();
    const encryptionMasterKey = new kms.Key(stack, 'QueueKey');
    const { queue } = ownQueue(stack, { encryptionMasterKey });
    // WHEN it is brought
    const t = defaultEndpoint({ queue }, stack).template();
    // THEN the verifier may use that key through SQS only
    expect(statements(t)).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'] },
      Condition: viaSqs,
    });
  });

  test('fails if the verifier, the processor and grantConsumeMessages() get nothing on the queueEncryptionKey of an imported queue', () => {
    // GIVEN an imported queue, its key passed as queueEncryptionKey, a processor and another consumer
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN);
    const queueEncryptionKey = kms.Key.fromKeyArn(stack, 'QueueKey', KEY_ARN);
    const processor = newProcessor(stack, Duration.seconds(30));
    const { endpoint, template } = defaultEndpoint({ queue, queueEncryptionKey, processor }, stack);
    endpoint.grantConsumeMessages(new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    // WHEN synthesized
    const all = statements(template());
    // THEN the verifier may encrypt and decrypt with it, and both consumers decrypt, through SQS only
    expect(all).toContainEqual({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: KEY_ARN, Condition: viaSqs });
    expect(all.filter((s) => s.Action === 'kms:Decrypt' && s.Resource === KEY_ARN && JSON.stringify(s.Condition) === JSON.stringify(viaSqs))).toHaveLength(2);
    // and CDK cannot see another key it should warn about
    expect(warnings(stack, 'queueKeyNotVisible')).toEqual([]);
  });

  test('fails if a sqs.Queue encrypted with a key CDK has no object for is accepted without queueEncryptionKey', () => {
    // GIVEN a queue of this app whose key is set only on its CfnQueue
    const { stack, queue } = ownQueue();
    (queue.node.defaultChild as sqs.CfnQueue).kmsMasterKeyId = KEY_ARN;
    // WHEN it is brought without queueEncryptionKey THEN synth refuses, naming the key and the prop
    expect(() => defaultEndpoint({ queue }, stack)).toThrow(
      new RegExp(`is encrypted with KMS key "${KEY_ARN}", for which CDK has no key object, so the verifier cannot be granted kms:GenerateDataKey and kms:Decrypt on it .*pass that key as queueEncryptionKey`),
    );
    // and with it, it synthesizes
    const other = ownQueue();
    (other.queue.node.defaultChild as sqs.CfnQueue).kmsMasterKeyId = KEY_ARN;
    const queueEncryptionKey = kms.Key.fromKeyArn(other.stack, 'QK', KEY_ARN);
    expect(() => defaultEndpoint({ queue: other.queue, queueEncryptionKey }, other.stack).template()).not.toThrow();
  });

  test('fails if it says nothing about an imported queue whose key it cannot see: a synth warning', () => {
    // GIVEN an imported queue, its dead-letter queue given, no key
    const stack = newStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Existing', QUEUE_ARN);
    defaultEndpoint({ queue, deadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', DLQ_ARN) }, stack);
    // WHEN synthesized THEN it warns, naming both ways to pass the key and when none is needed
    expect(warnings(stack, 'queueEncryptionKey')).toEqual([
      expect.stringMatching(/CDK cannot see whether the queue you bring .* is encrypted with a customer-managed KMS key.*pass queueEncryptionKey, or import the queue with sqs\.Queue\.fromQueueAttributes\(\{ queueArn, keyArn \}\)\. SSE-SQS and the AWS managed key alias\/aws\/sqs need neither/),
    ]);
  });

  test.each<[string, (stack: ReturnType<typeof newStack>) => HardenedWebhookEndpointProps, RegExp]>([
    ['without queue', () => ({}), /queueEncryptionKey is set but the endpoint creates the queue, encrypted with encryptionKey/],
    ['for a queue that names another key', (stack) => ownQueue(stack, { encryptionMasterKey: new kms.Key(stack, 'Other') }), /names its own key \(encryptionMasterKey\), which the verifier is granted; remove queueEncryptionKey/],
    ['for a queue not encrypted with a KMS key', (stack) => ownQueue(stack, { encryption: sqs.QueueEncryption.SQS_MANAGED }), /\(Test\/MyQueue\) is not encrypted with a KMS key; remove queueEncryptionKey/],
    ['for a queue under the AWS managed key', (stack) => ownQueue(stack, { encryption: sqs.QueueEncryption.KMS_MANAGED }), /encrypted with the AWS managed key alias\/aws\/sqs, whose policy already lets this account use it through SQS/],
  ])('rejects queueEncryptionKey %s', (_name, props, message) => {
    // GIVEN a queueEncryptionKey the brought queue (or none) does not need
    const stack = newStack();
    const given = props(stack);
    // WHEN the endpoint is built THEN it is refused
    expect(() => defaultEndpoint({ queue: given.queue, queueEncryptionKey: kms.Key.fromKeyArn(stack, 'QK', KEY_ARN) }, stack)).toThrow(message);
  });
});

describe('an encryption key you bring', () => {
  test('fails if an imported key is accepted although its policy cannot take the statements: the error names them', () => {
    // GIVEN an imported key
    const stack = newStack();
    const encryptionKey = kms.Key.fromKeyArn(stack, 'K', KEY_ARN);
    // WHEN it is brought without saying its policy is managed elsewhere
    // THEN synth refuses, listing each statement to add, with this account and region filled in
    let message = '';
    try {
      defaultEndpoint({ encryptionKey }, stack);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`encryptionKey ${KEY_ARN} is imported, so its policy cannot be changed here`));
    expect(message).toContain('"Sid":"AllowCloudWatchLogsForThisAccount"');
    expect(message).toContain('"Principal":{"Service":"logs.us-east-1.amazonaws.com"}');
    expect(message).toContain('"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:us-east-1:123456789012:log-group:*"');
    expect(message).toContain('"Sid":"AllowThisAccountsAlarmsToPublishToEncryptedTopic"');
    expect(message).toContain('"aws:SourceArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"');
    expect(message).toContain('{"Sid":"EnableIamPoliciesOfThisAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}');
    expect(message).toMatch(/Then set encryptionKeyPolicyManagedExternally: true/);
  });

  test('accepts an imported key with encryptionKeyPolicyManagedExternally: true', () => {
    // GIVEN an imported key whose policy its owner manages
    const stack = newStack();
    const encryptionKey = kms.Key.fromKeyArn(stack, 'K', KEY_ARN);
    // WHEN brought with the opt-in THEN it synthesizes, creating no key
    const t = defaultEndpoint({ encryptionKey, encryptionKeyPolicyManagedExternally: true }, stack).template();
    t.resourceCountIs('AWS::KMS::Key', 0);
  });

  test.each<[string, (stack: ReturnType<typeof newStack>) => HardenedWebhookEndpointProps, RegExp]>([
    ['for a key whose policy this app writes', (stack) => ({ encryptionKey: new kms.Key(stack, 'Mine') }), /the policy of encryptionKey is this app's, and the endpoint adds its statements to it; remove encryptionKeyPolicyManagedExternally/],
    ['without encryptionKey', () => ({}), /encryptionKeyPolicyManagedExternally is set without encryptionKey/],
  ])('rejects encryptionKeyPolicyManagedExternally %s', (_name, props, message) => {
    const stack = newStack();
    expect(() => defaultEndpoint({ ...props(stack), encryptionKeyPolicyManagedExternally: true }, stack)).toThrow(message);
  });

  test('a key of this app gets exactly the statements the encryptionKey doc lists, and not the deny-CreateGrant one', () => {
    // GIVEN a key of this app
    const stack = newStack();
    const encryptionKey = new kms.Key(stack, 'Mine');
    // WHEN brought
    const t = defaultEndpoint({ encryptionKey }, stack).template();
    // THEN its policy holds CDK's default root statement plus the documented ones, nothing else
    const key = Object.values(t.findResources('AWS::KMS::Key'))[0] as Resource;
    const summary = key.Properties.KeyPolicy.Statement.map((s: any) => [s.Sid ?? null, s.Principal.Service ?? 'account root', s.Condition?.StringEquals?.['kms:ViaService'] ?? null]);
    expect(summary).toEqual([
      [null, 'account root', null],
      ['AllowCloudWatchLogsForThisAccount', 'logs.us-east-1.amazonaws.com', null],
      ['AllowThisAccountsAlarmsToPublishToEncryptedTopic', 'cloudwatch.amazonaws.com', null],
      [null, 'account root', 'secretsmanager.us-east-1.amazonaws.com'],
      [null, 'account root', 'secretsmanager.us-east-1.amazonaws.com'],
    ]);
    expect(JSON.stringify(key)).not.toContain('DenyGrantsExceptForAwsResources');
  });
});

describe('API Gateway account settings', () => {
  function cloudWatchRoles(t: Template) {
    return Object.values(t.findResources('AWS::IAM::Role')).filter((r) => JSON.stringify(r).includes('AmazonAPIGatewayPushToCloudWatchLogs'));
  }

  test('fails if two endpoints in one stack declare the account-wide AWS::ApiGateway::Account twice', () => {
    // GIVEN two endpoints in one stack, both with the default cloudWatchRole: true
    const stack = newStack();
    for (const id of ['First', 'Second']) {
      const endpoint = new HardenedWebhookEndpoint(stack, id, { environment: 'dev' });
      endpoint.addSource('billing', { scheme: SignatureScheme.standardWebhooks() });
    }
    // WHEN synthesized
    const t = Template.fromStack(stack);
    // THEN there is one account setting and one CloudWatch role, and the second API's stage waits for it
    const accounts = Object.keys(t.findResources('AWS::ApiGateway::Account'));
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatch(/^FirstApi/);
    expect(cloudWatchRoles(t)).toHaveLength(1);
    const stages = t.findResources('AWS::ApiGateway::Stage');
    expect(Object.keys(stages)).toHaveLength(2);
    for (const stage of Object.values(stages)) expect((stage as { DependsOn: string[] }).DependsOn).toContain(accounts[0]);
  });

  test('one endpoint still declares its own, unless cloudWatchRole is off', () => {
    for (const [cloudWatchRole, count] of [[true, 1], [false, 0]] as const) {
      const t = defaultEndpoint({ cloudWatchRole }).template();
      t.resourceCountIs('AWS::ApiGateway::Account', count);
      expect(cloudWatchRoles(t)).toHaveLength(count);
    }
  });
});
