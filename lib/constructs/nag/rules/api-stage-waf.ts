import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten, resourcesInStack } from '../cfn';
import { Compliance, webhookRule } from '../rule';
import { stageOf } from '../stages';

/**
 * Every REST API stage has a WAF web ACL: an AWS::WAFv2::WebACLAssociation in the same stack whose
 * ResourceArn names the stage's API and the stage (by reference or by name).
 */
export const APIStageWAF = webhookRule('APIStageWAF', (node: CfnResource) => {
  const stage = stageOf(node);
  if (!stage) return Compliance.NOT_APPLICABLE;
  const associated = resourcesInStack(node, 'AWS::WAFv2::WebACLAssociation').some((association) => {
    const arn = flatten(cfnView(association).properties.ResourceArn);
    const prefix = `/restapis/${stage.restApi}/stages/`;
    const at = arn.indexOf(prefix);
    if (at < 0) return false;
    const named = arn.slice(at + prefix.length);
    return named === `<${stage.logicalId}>` || (stage.name !== undefined && named === stage.name);
  });
  return associated ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
