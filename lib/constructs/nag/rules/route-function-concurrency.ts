import { CfnResource } from 'aws-cdk-lib';
import { cfnView, flatten, references, resourcesInStack } from '../cfn';
import { Compliance, webhookRule } from '../rule';

/**
 * Every Lambda function a REST API invokes per request has reserved concurrency: an
 * AWS::Lambda::Function that an AWS::ApiGateway::Method's integration URI (or an
 * AWS::ApiGateway::Authorizer's URI) names, directly or through one of its aliases or versions,
 * sets ReservedConcurrentExecutions to 1 or more. Functions no route invokes are not judged.
 */
export const RouteFunctionConcurrency = webhookRule('RouteFunctionConcurrency', (node: CfnResource) => {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return Compliance.NOT_APPLICABLE;
  const { logicalId, properties } = cfnView(node);
  // The function, and its aliases and versions (whose Ref is their ARN).
  const names = [logicalId];
  for (const qualifier of resourcesInStack(node, 'AWS::Lambda::Alias', 'AWS::Lambda::Version')) {
    const view = cfnView(qualifier);
    if (references(flatten(view.properties.FunctionName), logicalId)) names.push(view.logicalId);
  }
  const invokedByRoute = resourcesInStack(node, 'AWS::ApiGateway::Method', 'AWS::ApiGateway::Authorizer').some((route) => {
    const view = cfnView(route);
    const uri = flatten(view.type === 'AWS::ApiGateway::Method' ? view.properties.Integration?.Uri : view.properties.AuthorizerUri);
    return names.some((name) => references(uri, name));
  });
  if (!invokedByRoute) return Compliance.NOT_APPLICABLE;
  const reserved = properties.ReservedConcurrentExecutions;
  return typeof reserved === 'number' && reserved >= 1 ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
