import { CfnResource } from 'aws-cdk-lib';
import { cfnView } from '../cfn';
import { Compliance, webhookRule } from '../rule';

const CORS_HEADER = /^(method\.response|gatewayresponse)\.header\.access-control-/i;

/** The response parameters of a method (its method responses and integration responses) or of a gateway response. */
function responseParameterNames(type: string, properties: Record<string, any>): string[] {
  const names = (parameters: unknown) => (parameters && typeof parameters === 'object' ? Object.keys(parameters) : []);
  if (type === 'AWS::ApiGateway::GatewayResponse') return names(properties.ResponseParameters);
  const responses = [...(properties.MethodResponses ?? []), ...(properties.Integration?.IntegrationResponses ?? [])];
  return responses.flatMap((response: { ResponseParameters?: unknown }) => names(response?.ResponseParameters));
}

/**
 * No CORS on REST APIs: no method (typically an OPTIONS preflight) and no gateway response sets an
 * `Access-Control-*` header. Senders are servers; CORS only lets browsers on other origins call the
 * endpoint and read its answers.
 */
export const APINoCORS = webhookRule('APINoCORS', (node: CfnResource) => {
  if (!['AWS::ApiGateway::Method', 'AWS::ApiGateway::GatewayResponse'].includes(node.cfnResourceType)) return Compliance.NOT_APPLICABLE;
  const { type, properties } = cfnView(node);
  return responseParameterNames(type, properties).some((name) => CORS_HEADER.test(name)) ? Compliance.NON_COMPLIANT : Compliance.COMPLIANT;
});
