import { CfnResource } from 'aws-cdk-lib';
import { cfnView, literal } from '../cfn';
import { Compliance, webhookRule } from '../rule';

/**
 * Whether `policy` is one of API Gateway's enhanced security policies with TLS 1.2 as the oldest
 * version it accepts: `SecurityPolicy_TLS13_1_2_*`, `SecurityPolicy_TLS13_1_3_*` (Regional and
 * private) and `SecurityPolicy_TLS12_*_EDGE`, `SecurityPolicy_TLS13_*_EDGE` (edge-optimized). The
 * legacy `TLS_1_0` and `TLS_1_2` are not enhanced (no endpoint access mode, and `TLS_1_2` still
 * admits CBC suites and key exchange without forward secrecy).
 */
export function isEnhancedTls12Policy(policy: string | undefined): boolean {
  return policy !== undefined && /^SecurityPolicy_(TLS13_1_[23]_[A-Z0-9_]+|TLS1[23]_[A-Z0-9_]*EDGE)$/.test(policy);
}

/**
 * REST APIs and their custom domains negotiate TLS 1.2 or newer under an enhanced security policy
 * with endpoint access mode STRICT (AWS::ApiGateway::RestApi, ::DomainName, ::DomainNameV2). A REST
 * API whose execute-api endpoint is disabled negotiates nothing itself: its domains are checked.
 */
export const APITlsPolicy = webhookRule('APITlsPolicy', (node: CfnResource) => {
  if (!['AWS::ApiGateway::RestApi', 'AWS::ApiGateway::DomainName', 'AWS::ApiGateway::DomainNameV2'].includes(node.cfnResourceType)) {
    return Compliance.NOT_APPLICABLE;
  }
  const { type, properties } = cfnView(node);
  if (type === 'AWS::ApiGateway::RestApi' && properties.DisableExecuteApiEndpoint === true) return Compliance.COMPLIANT;
  const strict = literal(properties.EndpointAccessMode) === 'STRICT';
  return strict && isEnhancedTls12Policy(literal(properties.SecurityPolicy)) ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
});
