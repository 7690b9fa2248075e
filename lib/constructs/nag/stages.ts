import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten, literal } from './cfn';

/** A REST API stage: an AWS::ApiGateway::Stage, or the stage an AWS::ApiGateway::Deployment with a StageName creates. */
export interface StageView {
  readonly logicalId: string;
  /** The API, flattened: `<LogicalId>` or a literal id. */
  readonly restApi: string;
  /** The stage name, when it is a literal. */
  readonly name?: string;
  /** AccessLogSetting of the stage. */
  readonly accessLogSetting?: Record<string, unknown>;
}

export function stageOf(node: CfnResource): StageView | undefined {
  if (node.cfnResourceType === 'AWS::ApiGateway::Stage') {
    const { logicalId, properties } = cfnView(node);
    return { logicalId, restApi: flatten(properties.RestApiId), name: literal(properties.StageName), accessLogSetting: properties.AccessLogSetting };
  }
  if (node.cfnResourceType === 'AWS::ApiGateway::Deployment') {
    const { logicalId, properties } = cfnView(node);
    if (properties.StageName === undefined) return undefined;
    return { logicalId, restApi: flatten(properties.RestApiId), name: literal(properties.StageName), accessLogSetting: properties.StageDescription?.AccessLogSetting };
  }
  return undefined;
}
