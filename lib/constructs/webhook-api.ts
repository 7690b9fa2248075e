import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { createHash } from 'node:crypto';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements';
import { SignatureScheme } from './signature-scheme';

/**
 * Enhanced TLS policies for Regional endpoints and custom domains: all TLS 1.2 or newer, and all
 * requiring an endpoint access mode (STRICT here).
 */
export const TLS12_OR_NEWER_POLICIES = [
  'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09',
  'SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09',
  'SecurityPolicy_TLS13_1_2_PQ_2025_09',
  'SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09',
  'SecurityPolicy_TLS13_1_2_2021_06',
  'SecurityPolicy_TLS13_1_3_2025_09',
  'SecurityPolicy_TLS13_1_3_FIPS_2025_09',
];

/**
 * TLS 1.3, and TLS 1.2 with forward-secret AEAD suites only (ECDHE with AES-GCM). API Gateway's
 * `SecurityPolicy_TLS13_1_2_2021_06`, the legacy `TLS_1_2` and `..._TLS13_1_2_PQ_2025_09` also admit
 * CBC suites (ECDHE-*-AES*-SHA256/384) and RSA key exchange without forward secrecy (AES*-GCM-SHA*,
 * AES*-SHA256) on TLS 1.2 (API Gateway's list of supported security policies, 2026-11).
 */
export const DEFAULT_TLS_POLICY = 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09';

export interface CustomDomainOptions {
  /** The domain senders post to, e.g. `hooks.example.com`. */
  readonly domainName: string;
  /** A certificate for `domainName` in this stack's region. */
  readonly certificate: acm.ICertificate;
  /**
   * TLS policy of the domain: an enhanced TLS 1.2+ policy (endpoint access mode STRICT). The legacy
   * `TLS_1_0` and `TLS_1_2` policies are refused (`TLS_1_2` admits CBC and non-forward-secret suites).
   * @default apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09 (TLS 1.3, and TLS 1.2 with ECDHE + AES-GCM only)
   */
  readonly securityPolicy?: apigw.SecurityPolicy;
  /**
   * Base path the API is mapped under (e.g. `v1`).
   * @default - mapped at the domain's root: https://<domainName>/webhooks/<source>
   */
  readonly basePath?: string;
}

export interface WebhookApiProps {
  readonly name: string;
  readonly stageName: string;
  readonly securityPolicy: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly customDomain?: CustomDomainOptions;
  readonly cloudWatchRole: boolean;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly accessLogClass: logs.LogGroupClass;
  /** Share of requests X-Ray traces once the reservoir is used up, 0 to 1. */
  readonly tracingSampleRate: number;
  /** Requests per second X-Ray traces before the sample rate applies. */
  readonly tracingReservoir: number;
}

// JSON access log line. Deliberately no headers and no body: they carry signatures and payloads.
// Only what ties a request to the WAF and verifier logs and says what happened to it: about 330 bytes
// a line instead of 560. Left out: extendedRequestId (for AWS support, derivable from requestId in a
// support case), domainName (one or two values per API), protocol, responseLength, the WAF's custom
// response code (none is configured) and the integration's own status and latency (the verifier's
// line has both, and status/responseLatency cover requests it never saw).
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  tlsVersion: '$context.tlsVersion',
  status: '$context.status',
  errorType: '$context.error.responseType',
  wafStatus: '$context.waf.status',
  responseLatency: '$context.responseLatency',
};

// Every error API Gateway answers itself (WAF block, throttle, validation, unknown route) is the same
// generic JSON with the request id: nothing about which check failed or how the API is built.
const GENERIC_ERROR_TEMPLATE = '{"error":"Request rejected","requestId":"$context.requestId"}';

/**
 * The Regional REST API senders post to: `POST /webhooks/{source}`, TLS 1.2+ on the execute-api
 * endpoint (enhanced security policy, STRICT endpoint access) and on the optional custom domain (which
 * then becomes the only way in), request validation, JSON access logs with the TLS version, execution
 * logs at ERROR, X-Ray, stage throttling, and no CORS (senders are servers, not browsers).
 */
export class WebhookApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly executionLogGroup: logs.LogGroup;
  public readonly domain?: apigw.DomainName;
  /** Which of this stage's requests X-Ray traces (API Gateway decides; the verifiers follow its decision). */
  public readonly samplingRule: xray.CfnSamplingRule;
  private readonly webhooks: apigw.Resource;
  private readonly validator: apigw.RequestValidator;
  private readonly basePath?: string;
  /** DENY statements of the resource policy, one per distinct CIDR list. */
  private readonly routeDenials = new Map<string, iam.PolicyStatement>();
  private readonly stageName: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.basePath = props.customDomain?.basePath;
    this.stageName = props.stageName;
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      logGroupClass: props.accessLogClass === logs.LogGroupClass.STANDARD ? undefined : props.accessLogClass,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // AWS::ApiGateway::Account is one setting per account and region: a second endpoint in this stack
    // (or any API here that set it first) reuses it rather than declaring it again.
    const existingAccount = props.cloudWatchRole ? cloudWatchAccountOf(Stack.of(this)) : undefined;
    const ownCloudWatchRole = props.cloudWatchRole && !existingAccount;
    this.api = new apigw.RestApi(this, 'Resource', {
      restApiName: props.name,
      description: 'Inbound webhooks: WAF, TLS 1.2+, HMAC-verified by a Lambda per source',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      disableExecuteApiEndpoint: props.customDomain !== undefined,
      // Every body reaches the verifier base64-encoded: the exact bytes the sender signed, whatever its
      // media type or charset (without it, a body that is not UTF-8 is mangled and never verifies).
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: ownCloudWatchRole,
      cloudWatchRoleRemovalPolicy: ownCloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
      },
    });
    // The stage logs to CloudWatch only once the account's role is set, as RestApi does for its own.
    if (existingAccount) this.api.deploymentStage.node.addDependency(existingAccount);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledge(cloudWatchRole, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'API Gateway has one CloudWatch role per account and region, shared by every API there; AWS documents this managed policy for exactly that role. Turn it off with cloudWatchRole: false where the account is configured centrally.',
      });
    }
    const cfnApi = this.api.node.defaultChild as apigw.CfnRestApi;
    cfnApi.securityPolicy = props.securityPolicy;
    cfnApi.endpointAccessMode = 'STRICT';

    // API Gateway would create the execution log group itself, unencrypted and kept forever.
    const executionLogs = (this.executionLogGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stageName}`,
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    }));
    this.api.deploymentStage.node.addDependency(executionLogs);

    for (const [id, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        templates: { 'application/json': GENERIC_ERROR_TEMPLATE },
        responseHeaders: { 'Cache-Control': "'no-store'", 'X-Content-Type-Options': "'nosniff'" },
      });
    }

    this.samplingRule = this.addSamplingRule(props);

    this.validator = this.api.addRequestValidator('RequestValidator', {
      requestValidatorName: 'body-and-signature-headers',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.webhooks = this.api.root.addResource('webhooks');

    if (props.customDomain) {
      this.domain = new apigw.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: props.customDomain.certificate,
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: props.customDomain.securityPolicy ?? (DEFAULT_TLS_POLICY as apigw.SecurityPolicy),
        endpointAccessMode: apigw.EndpointAccessMode.STRICT,
      });
      this.domain.addBasePathMapping(this.api, { basePath: props.customDomain.basePath, stage: this.api.deploymentStage });
    }

    for (const id of ['NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', 'PCI.DSS.321-APIGWCacheEnabledAndEncrypted', 'HIPAA.Security-APIGWCacheEnabledAndEncrypted']) {
      acknowledge(this.api.deploymentStage, {
        id,
        reason: 'Webhooks are unique POST deliveries; a response cache would serve one delivery\'s answer to another and must stay off. No cache, so nothing to encrypt.',
      });
    }
    for (const id of ['NIST.800.53.R5-APIGWSSLEnabled', 'PCI.DSS.321-APIGWSSLEnabled', 'HIPAA.Security-APIGWSSLEnabled']) {
      acknowledge(this.api.deploymentStage, {
        id,
        reason: 'Backend client certificates authenticate API Gateway to HTTP backends; every integration here is a Lambda function invoked over AWS\'s signed API, which a client certificate does not apply to.',
      });
    }
  }

  /**
   * X-Ray's default rule traces the first request each second and 5% of the rest: at a few webhooks a
   * second that is nearly every request, about $5 per million, more than API Gateway itself. This
   * rule, scoped to this API's stage, decides for API Gateway, and the verifiers (active tracing)
   * follow the decision API Gateway passes on in the trace header.
   */
  private addSamplingRule(props: WebhookApiProps): xray.CfnSamplingRule {
    const stack = Stack.of(this);
    const stageArn = stack.formatArn({ service: 'apigateway', account: '', resource: '/restapis', resourceName: `${this.api.restApiId}/stages/${props.stageName}` });
    return new xray.CfnSamplingRule(this, 'SamplingRule', {
      samplingRule: {
        ruleName: samplingRuleName(props.name),
        priority: SAMPLING_RULE_PRIORITY,
        fixedRate: props.tracingSampleRate,
        reservoirSize: props.tracingReservoir,
        serviceName: `${props.name}/${props.stageName}`,
        serviceType: 'AWS::ApiGateway::Stage',
        resourceArn: stageArn,
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        version: 1,
      },
    });
  }

  /**
   * Adds `POST /webhooks/<source>` → the source's verifier, requiring the scheme's headers, and
   * `GET` on the same path for senders that verify the endpoint with a GET (Meta, Dropbox, Okta).
   */
  public addRoute(source: string, handler: lambda.IFunction, scheme: SignatureScheme): apigw.Method {
    return this.addMethods(this.webhooks, this.validator, source, handler, scheme);
  }

  /**
   * The same route, with its resource and methods in another stack of the endpoint (a source group's
   * nested stack), still deployed through this API and stage: the deployment waits for them, and its
   * logical id takes in what they are, so changing one deploys the API again (which API Gateway
   * needs, and which CDK does by itself only for methods of the API's own stack).
   */
  public addRouteIn(scope: Construct, source: string, handler: lambda.IFunction, scheme: SignatureScheme): apigw.Method {
    const { webhooks, validator } = this.importedIn(scope);
    const method = this.addMethods(webhooks, validator, source, handler, scheme);
    // What RestApi does for its own methods: count them (an API without methods fails CDK's
    // validation) and make its deployment wait for them. Methods of an imported API skip both.
    const api = this.api as unknown as { _attachMethod(m: apigw.Method): void };
    for (const m of method.resource.node.children) if (m instanceof apigw.Method) api._attachMethod(m);
    this.api.latestDeployment!.addToLogicalId({
      groupedRoute: {
        source,
        stack: Stack.of(scope).node.path,
        methods: method.resource.node.children.filter((m): m is apigw.Method => m instanceof apigw.Method).map((m) => m.httpMethod),
        requiredHeaders: gatewayRequiredHeaders(scheme),
        handler: handler.node.path,
      },
    });
    return method;
  }

  private readonly imported = new Map<Construct, { webhooks: apigw.IResource; validator: apigw.IRequestValidator }>();

  /** This API's `/webhooks` resource and request validator, as seen from another stack. */
  private importedIn(scope: Construct) {
    let found = this.imported.get(scope);
    if (!found) {
      const api = apigw.RestApi.fromRestApiAttributes(scope, 'Api', { restApiId: this.api.restApiId, rootResourceId: this.api.restApiRootResourceId });
      // The invoke permission names the stage, as the API's own methods' do; by name, not by a
      // reference, which would make the group wait for the stage that waits for the group.
      (api as { deploymentStage: apigw.IStage }).deploymentStage = apigw.Stage.fromStageAttributes(scope, 'Stage', { restApi: api, stageName: this.stageName });
      found = {
        webhooks: apigw.Resource.fromResourceAttributes(scope, 'Webhooks', { restApi: api, resourceId: this.webhooks.resourceId, path: this.webhooks.path }),
        validator: apigw.RequestValidator.fromRequestValidatorId(scope, 'RequestValidator', this.validator.requestValidatorId),
      };
      this.imported.set(scope, found);
    }
    return found;
  }

  private addMethods(webhooks: apigw.IResource, validator: apigw.IRequestValidator, source: string, handler: lambda.IFunction, scheme: SignatureScheme): apigw.Method {
    const resource = webhooks.addResource(source);
    const requestParameters: Record<string, boolean> = {};
    for (const header of gatewayRequiredHeaders(scheme)) requestParameters[`method.request.header.${header}`] = true;
    const integration = new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
    // No body model: with binary media types the body is bytes, not JSON API Gateway could check, and
    // the verifier authenticates every byte of it (a consumer validates its schema).
    const method = resource.addMethod('POST', integration, {
      requestValidator: validator,
      requestParameters,
      operationName: `receive-${source}`,
    });
    const methods = [method];
    if (scheme.answersHead) {
      methods.push(resource.addMethod('HEAD', integration, { requestValidator: validator, operationName: `check-url-${source}` }));
    }
    if (scheme.answersGet) {
      methods.push(resource.addMethod('GET', integration, { requestValidator: validator, operationName: `verify-endpoint-${source}` }));
    }
    for (const m of methods) this.secureMethod(m);
    return method;
  }

  private secureMethod(method: apigw.Method): void {
    // LambdaIntegration's invoke permission (a child of the method) names the method's ARN but not the
    // account; SourceAccount pins the calling service to this account as well (CT.LAMBDA.PR.2).
    for (const child of method.node.children) {
      if (child instanceof lambda.CfnPermission && /\.amazonaws\.com$/.test(String(child.principal))) child.sourceAccount = Stack.of(this).account;
    }
    // On the method, which these findings concern, not on the API: the RestApi's template, metadata
    // included, feeds the deployment's logical id, so cdk-nag 2's metadata there would redeploy the API.
    acknowledge(
      method,
      {
        id: 'AwsSolutions-APIG4',
        reason: 'Webhook senders (Stripe, GitHub, Svix, ...) cannot sign requests with SigV4 or present tokens; every request is authenticated by its HMAC signature in the verifier, behind a WAF allowlist and rate limit.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Webhook senders cannot obtain Cognito tokens; every request is authenticated by its HMAC signature in the verifier, behind a WAF allowlist and rate limit.',
      },
    );
  }

  /**
   * Refuses a route to addresses outside `cidrs` in the API's resource policy too: evaluated after
   * API Gateway has routed the request, so no spelling of the path gets around it (WAF, which sees
   * the raw path, is the first line). Routes with the same list share one statement: API Gateway
   * caps a resource policy at 8,192 characters, which a statement per route (the endpoint's list
   * repeated for each) would pass at a few dozen sources.
   */
  public restrictRoute(source: string, cidrs: readonly string[]): void {
    if (this.routeDenials.size === 0) {
      this.api.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] }),
      );
    }
    const key = JSON.stringify(cidrs);
    const route = `execute-api:/*/*/webhooks/${source}`;
    const existing = this.routeDenials.get(key);
    if (existing) {
      existing.addResources(route);
    } else {
      const statement = new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [route],
        conditions: { NotIpAddress: { 'aws:SourceIp': [...cidrs] } },
      });
      this.routeDenials.set(key, statement);
      this.api.addToResourcePolicy(statement);
    }
    // A resource policy takes effect only with a new deployment.
    this.api.latestDeployment?.addToLogicalId({ source, cidrs });
  }

  /** The resource policy as CloudFormation receives it (unresolved), for the size check; none without route restrictions. */
  public get resourcePolicy(): unknown {
    return this.routeDenials.size > 0 ? (this.api.node.defaultChild as apigw.CfnRestApi).policy : undefined;
  }

  /** Resources of the API: the root, /webhooks and one per source. */
  public get resourceCount(): number {
    return 2 + this.webhooks.node.children.filter((c) => c instanceof apigw.Resource).length + [...this.imported.values()].reduce((n, i) => n + i.webhooks.node.children.filter((c) => c instanceof apigw.Resource).length, 0);
  }

  /**
   * The URL a source's sender posts to, built from the API id rather than the stage's URL so a
   * verifier can be told it without a dependency cycle (stage → deployment → method → function).
   */
  public publicUrlFor(source: string): string {
    if (this.domain) return this.urlFor(source);
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${this.stageName}/webhooks/${source}`;
  }

  /** The URL senders post to for a source. */
  public urlFor(source: string): string {
    if (this.domain) {
      const base = this.basePath ? `/${this.basePath}` : '';
      return `https://${this.domain.domainName}${base}/webhooks/${source}`;
    }
    return this.api.urlForPath(`/webhooks/${source}`);
  }
}

/** Before X-Ray's default rule (10000), after any narrower rule an account keeps below 100. */
const SAMPLING_RULE_PRIORITY = 100;

/** X-Ray rule names are 1 to 32 characters and unique per account and region: readable where they fit, else hashed. */
export function samplingRuleName(endpointName: string): string {
  if (Token.isUnresolved(endpointName)) return 'webhooks';
  if (endpointName.length <= 32) return endpointName;
  return `${endpointName.slice(0, 21)}-${createHash('sha256').update(endpointName).digest('hex').slice(0, 10)}`;
}

/** The stack's AWS::ApiGateway::Account, if something in it declares one already. */
function cloudWatchAccountOf(stack: Stack): apigw.CfnAccount | undefined {
  return stack.node.findAll().find((c): c is apigw.CfnAccount => c instanceof apigw.CfnAccount && Stack.of(c) === stack);
}

/**
 * The headers API Gateway's validator requires on a source's POST: the scheme's, except its signature
 * headers when the sender sends a request without a signature that the verifier answers (WooCommerce's
 * activation ping, Notion's key handshake), which the gateway would otherwise refuse with a 400
 * before the verifier sees it. The verifier still refuses any other request without them.
 */
function gatewayRequiredHeaders(scheme: SignatureScheme): string[] {
  return scheme.requiredHeaders.filter((header) => !(scheme.answersUnsigned && scheme.signatureHeaders.includes(header)));
}
