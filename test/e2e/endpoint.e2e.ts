import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsGapProxy } from './support/gap-proxy';
import { runCli } from './support/cli';
import { Deployment, deployToMoto, REGION, synthesizeExample } from './support/deploy';
import { loadBundledHandler, StdoutCapture } from './support/handlers';
import { MotoServer, startMoto } from './support/moto';

const ENVIRONMENT = 'staging';
let moto: MotoServer;
let proxy: AwsGapProxy;
let deployment: Deployment;
const capture = new StdoutCapture();
const credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
const cliEnv = () => ({ ...credentials, AWS_ENDPOINT_URL: proxy.url });
const cli = (...args: string[]) => runCli(args, cliEnv());

beforeAll(async () => {
  moto = await startMoto();
  proxy = new AwsGapProxy(moto.url);
  await proxy.start();
  Object.assign(process.env, { ...credentials, AWS_ENDPOINT_URL: proxy.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  capture.start();
  const { stackName, template } = synthesizeExample(ENVIRONMENT);
  const config = { region: REGION, endpoint: proxy.url };
  deployment = await deployToMoto(moto.url, {
    cloudformation: new CloudFormationClient(config),
    secrets: new SecretsManagerClient(config),
    cloudwatch: new CloudWatchClient(config),
    sqs: new SQSClient(config),
  }, stackName, template);
  for (const source of deployment.sources.values()) {
    if (source.rotation) proxy.register(source.rotation.name, source.rotation.arn, loadBundledHandler('rotation', source.rotation.environment));
  }
  await deployment.startRotationSchedules();
  await proxy.settled();
}, 90_000);

afterAll(async () => {
  capture.stop();
  await proxy?.stop();
  await moto?.stop();
});

test('status', async () => {
  expect(proxy.rotationFailures).toEqual([]);
  const run = await cli('status', '--stack', deployment.stackName);
  console.log(run.stdout, run.stderr);
  expect(run.code).toBe(0);
});
