import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';

/**
 * For each rule of WebhookChecks: a stack of plain aws-cdk-lib resources (no construct of this
 * library) that passes it, and one that fails it, with the construct paths the rule must name. Both
 * majors' tests (nag3.test.ts, nag2.test.ts) run every case.
 */
export interface RuleCase {
  readonly rule: string;
  /** Builds resources that pass the rule. */
  readonly compliant: (stack: Stack) => void;
  /** Builds resources that fail it; returns the construct paths of those the rule must flag. */
  readonly nonCompliant: (stack: Stack) => string[];
}

/**
 * A stack in an app as `cdk init` makes them: aspects run by priority and Tags.of() is a mutating
 * one, so its tags are on the resources before cdk-nag 2's pack (an aspect of default priority) reads them.
 */
export function plainStack(): Stack {
  const context = { '@aws-cdk/core:aspectStabilization': true, '@aws-cdk/core:aspectPrioritiesMutating': true };
  const app = new App({ builtinCloudFormationValidation: false, context });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

const path = (...parts: string[]) => ['Test', ...parts].join('/');

function handler(stack: Stack, id: string, reserved?: number): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 202 })'),
    reservedConcurrentExecutions: reserved,
  });
}

/** A REST API with one POST method (an API without methods does not synthesize). */
function restApi(stack: Stack, id: string, props: apigw.RestApiProps = {}): apigw.RestApi {
  const api = new apigw.RestApi(stack, id, props);
  api.root.addResource('webhooks').addMethod('POST', new apigw.MockIntegration());
  return api;
}

function tlsStrict(api: apigw.RestApi, policy = 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09', mode = 'STRICT'): void {
  const cfn = api.node.defaultChild as apigw.CfnRestApi;
  cfn.securityPolicy = policy;
  cfn.endpointAccessMode = mode;
}

const certificate = (stack: Stack, id: string) => acm.Certificate.fromCertificateArn(stack, id, 'arn:aws:acm:us-east-1:123456789012:certificate/abc');

function webAcl(stack: Stack): wafv2.CfnWebACL {
  return new wafv2.CfnWebACL(stack, 'Acl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'acl', sampledRequestsEnabled: true },
  });
}

function deadLetterPair(stack: Stack): { queue: sqs.Queue; dlq: sqs.Queue } {
  const key = new kms.Key(stack, 'Key');
  const dlq = new sqs.Queue(stack, 'Dlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
  const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
  return { queue, dlq };
}

function rotationFunction(stack: Stack): lambda.Function {
  return handler(stack, 'Rotation', 1);
}

/** A rotation on a schedule expression (the L2 takes only a number of days), written as the library writes its own. */
function cronRotation(secret: secretsmanager.Secret, rotation: lambda.Function, expression: string): void {
  new secretsmanager.CfnRotationSchedule(secret, 'Rotation', { secretId: secret.secretArn, rotationLambdaArn: rotation.functionArn, rotationRules: { scheduleExpression: expression } });
}

export const RULE_CASES: RuleCase[] = [
  {
    rule: 'Webhook-APITlsPolicy',
    compliant: (stack) => {
      tlsStrict(restApi(stack, 'Api'));
      tlsStrict(restApi(stack, 'Tls13Api'), 'SecurityPolicy_TLS13_1_3_2025_09');
      // Behind a custom domain only: the execute-api endpoint negotiates nothing.
      const domainOnly = restApi(stack, 'DomainOnlyApi', { disableExecuteApiEndpoint: true });
      new apigw.DomainName(stack, 'Domain', {
        domainName: 'hooks.example.com',
        certificate: certificate(stack, 'Cert'),
        securityPolicy: apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09,
        endpointAccessMode: apigw.EndpointAccessMode.STRICT,
        mapping: domainOnly,
      });
    },
    nonCompliant: (stack) => {
      restApi(stack, 'DefaultApi');
      tlsStrict(restApi(stack, 'BasicApi'), 'SecurityPolicy_TLS13_1_2_2021_06', 'BASIC');
      tlsStrict(restApi(stack, 'LegacyApi'), 'TLS_1_2');
      new apigw.DomainName(stack, 'LegacyDomain', { domainName: 'old.example.com', certificate: certificate(stack, 'Cert'), securityPolicy: apigw.SecurityPolicy.TLS_1_2 });
      return [path('DefaultApi/Resource'), path('BasicApi/Resource'), path('LegacyApi/Resource'), path('LegacyDomain/Resource')];
    },
  },
  {
    rule: 'Webhook-APIStageWAF',
    compliant: (stack) => {
      const api = restApi(stack, 'Api');
      new wafv2.CfnWebACLAssociation(stack, 'Association', { resourceArn: api.deploymentStage.stageArn, webAclArn: webAcl(stack).attrArn });
    },
    nonCompliant: (stack) => {
      const guarded = restApi(stack, 'Guarded');
      restApi(stack, 'Open');
      new wafv2.CfnWebACLAssociation(stack, 'Association', { resourceArn: guarded.deploymentStage.stageArn, webAclArn: webAcl(stack).attrArn });
      return [path('Open/DeploymentStage.prod/Resource')];
    },
  },
  {
    rule: 'Webhook-APINoCORS',
    compliant: (stack) => {
      const api = restApi(stack, 'Api');
      api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, responseHeaders: { 'Cache-Control': "'no-store'" } });
    },
    nonCompliant: (stack) => {
      const api = restApi(stack, 'Api', { defaultCorsPreflightOptions: { allowOrigins: apigw.Cors.ALL_ORIGINS } });
      api.addGatewayResponse('Default4xx', { type: apigw.ResponseType.DEFAULT_4XX, responseHeaders: { 'Access-Control-Allow-Origin': "'*'" } });
      return [path('Api/Default/OPTIONS/Resource'), path('Api/Default/webhooks/OPTIONS/Resource'), path('Api/Default4xx/Resource')];
    },
  },
  {
    rule: 'Webhook-RouteFunctionConcurrency',
    compliant: (stack) => {
      restApi(stack, 'Api').root.addResource('hooks').addMethod('POST', new apigw.LambdaIntegration(handler(stack, 'Verifier', 10)));
      // A function no route invokes is not judged.
      handler(stack, 'Unrouted');
    },
    nonCompliant: (stack) => {
      const api = restApi(stack, 'Api');
      api.root.addResource('direct').addMethod('POST', new apigw.LambdaIntegration(handler(stack, 'Direct')));
      const aliased = handler(stack, 'Aliased');
      api.root.addResource('aliased').addMethod('POST', new apigw.LambdaIntegration(new lambda.Alias(stack, 'Live', { aliasName: 'live', version: aliased.currentVersion })));
      new apigw.TokenAuthorizer(stack, 'Authorizer', { handler: handler(stack, 'Authorize') });
      api.root.addResource('authorized').addMethod('POST', new apigw.MockIntegration(), { authorizer: stack.node.findChild('Authorizer') as apigw.TokenAuthorizer });
      return [path('Direct/Resource'), path('Aliased/Resource'), path('Authorize/Resource')];
    },
  },
  {
    rule: 'Webhook-SecretRotation',
    compliant: (stack) => {
      const rotation = rotationFunction(stack);
      new secretsmanager.Secret(stack, 'Monthly').addRotationSchedule('Rotation', { rotationLambda: rotation, automaticallyAfter: Duration.days(30) });
      cronRotation(new secretsmanager.Secret(stack, 'FirstMonday'), rotation, 'cron(0 9 ? * MON#1 *)');
      Tags.of(new secretsmanager.Secret(stack, 'SenderIssued')).add('webhook:key-source', 'sender-issued');
    },
    nonCompliant: (stack) => {
      const rotation = rotationFunction(stack);
      new secretsmanager.Secret(stack, 'Never');
      new secretsmanager.Secret(stack, 'Yearly').addRotationSchedule('Rotation', { rotationLambda: rotation, automaticallyAfter: Duration.days(365) });
      cronRotation(new secretsmanager.Secret(stack, 'Quarterly'), rotation, 'cron(0 9 1 1,4,7,10 ? *)');
      Tags.of(new secretsmanager.Secret(stack, 'OtherTag')).add('webhook:key-source', 'generated');
      return [path('Never/Resource'), path('Yearly/Resource'), path('Quarterly/Resource'), path('OtherTag/Resource')];
    },
  },
  {
    rule: 'Webhook-QueueCMK',
    compliant: (stack) => {
      new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: new kms.Key(stack, 'Key') });
      new sqs.Queue(stack, 'ImportedKey', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: kms.Key.fromKeyArn(stack, 'Theirs', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab') });
    },
    nonCompliant: (stack) => {
      new sqs.Queue(stack, 'SqsManaged');
      new sqs.Queue(stack, 'AwsManagedKey', { encryption: sqs.QueueEncryption.KMS_MANAGED });
      new sqs.Queue(stack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      return [path('SqsManaged/Resource'), path('AwsManagedKey/Resource'), path('Unencrypted/Resource')];
    },
  },
  {
    rule: 'Webhook-QueueDLQ',
    compliant: (stack) => {
      // The queue has a DLQ; the DLQ needs none of its own.
      deadLetterPair(stack);
      // A function's dead-letter queue is one too.
      const functionDlq = new sqs.Queue(stack, 'FunctionDlq');
      new lambda.Function(stack, 'Worker', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {}'),
        deadLetterQueue: functionDlq,
      });
    },
    nonCompliant: (stack) => {
      new sqs.Queue(stack, 'Lonely');
      return [path('Lonely/Resource')];
    },
  },
  {
    rule: 'Webhook-DLQAlarm',
    compliant: (stack) => {
      const { dlq } = deadLetterPair(stack);
      new cloudwatch.Alarm(stack, 'DlqDepth', {
        metric: dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
      }).addAlarmAction(new cwActions.SnsAction(new sns.Topic(stack, 'OnCall')));
    },
    nonCompliant: (stack) => {
      const { dlq } = deadLetterPair(stack);
      // An alarm no one hears.
      new cloudwatch.Alarm(stack, 'Silent', { metric: dlq.metricApproximateNumberOfMessagesVisible(), threshold: 1, evaluationPeriods: 1 });
      const key = new kms.Key(stack, 'OtherKey');
      const unwatched = new sqs.Queue(stack, 'UnwatchedDlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
      new sqs.Queue(stack, 'Other', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, deadLetterQueue: { queue: unwatched, maxReceiveCount: 3 } });
      return [path('Dlq/Resource'), path('UnwatchedDlq/Resource')];
    },
  },
  {
    rule: 'Webhook-APIStageAccessLogs',
    compliant: (stack) => {
      const destination = new apigw.LogGroupLogDestination(new logs.LogGroup(stack, 'AccessLogs'));
      restApi(stack, 'Api', { deployOptions: { accessLogDestination: destination, accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields() } });
    },
    nonCompliant: (stack) => {
      restApi(stack, 'Api');
      return [path('Api/DeploymentStage.prod/Resource')];
    },
  },
];

/** The rules' ids in the order WebhookChecks lists them. */
export const RULE_IDS = RULE_CASES.map((c) => c.rule);
