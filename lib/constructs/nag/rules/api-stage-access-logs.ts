import { CfnResource } from 'aws-cdk-lib';
import { Compliance, webhookRule } from '../rule';
import { stageOf } from '../stages';

/** Every REST API stage writes access logs: AccessLogSetting with a destination and a format. */
export const APIStageAccessLogs = webhookRule('APIStageAccessLogs', (node: CfnResource) => {
  const stage = stageOf(node);
  if (!stage) return Compliance.NOT_APPLICABLE;
  const setting = stage.accessLogSetting;
  return setting?.DestinationArn !== undefined && setting?.Format !== undefined ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
