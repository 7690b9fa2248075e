import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten, literal, references, resourcesInStack } from '../cfn';
import { longestRotationGapDays } from '../rotation-interval';
import { Compliance, webhookRule } from '../rule';
import { SENDER_ISSUED_TAG } from '../sender-issued';

/** The longest time a signing key may stay in use. */
export const MAX_ROTATION_DAYS = 90;

/**
 * Secrets rotate at least every 90 days, or are tagged as holding a sender-issued key: an
 * AWS::SecretsManager::Secret has an AWS::SecretsManager::RotationSchedule in the same stack (for
 * it, or for its AWS::SecretsManager::SecretTargetAttachment) whose rules allow no more than 90 days
 * between rotations, or carries the tag `webhook:key-source` = `sender-issued`.
 */
export const SecretRotation = webhookRule('SecretRotation', (node: CfnResource) => {
  if (node.cfnResourceType !== 'AWS::SecretsManager::Secret') return Compliance.NOT_APPLICABLE;
  const { logicalId, properties } = cfnView(node);
  const tags: unknown[] = Array.isArray(properties.Tags) ? properties.Tags : [];
  if (tags.some((tag) => (tag as { Key?: unknown }).Key === SENDER_ISSUED_TAG.key && (tag as { Value?: unknown }).Value === SENDER_ISSUED_TAG.value)) {
    return Compliance.COMPLIANT;
  }
  const names = [logicalId];
  for (const attachment of resourcesInStack(node, 'AWS::SecretsManager::SecretTargetAttachment')) {
    const view = cfnView(attachment);
    if (references(flatten(view.properties.SecretId), logicalId)) names.push(view.logicalId);
  }
  const secretName = literal(properties.Name);
  const rotatedInTime = resourcesInStack(node, 'AWS::SecretsManager::RotationSchedule').some((schedule) => {
    const { properties: rotation } = cfnView(schedule);
    const secretId = flatten(rotation.SecretId);
    const forThisSecret = names.some((name) => secretId === `<${name}>`) || (secretName !== undefined && (secretId === secretName || secretId.endsWith(`:secret:${secretName}`)));
    if (!forThisSecret) return false;
    const gap = longestRotationGapDays(rotation.RotationRules);
    return gap !== undefined && gap <= MAX_ROTATION_DAYS;
  });
  return rotatedInTime ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
