import { request as httpsRequest } from 'node:https';

/** Puts a custom resource's answer (a JSON body) to the pre-signed ResponseURL CloudFormation gave. */
export interface Responder {
  (responseUrl: string, body: string): Promise<void>;
  /**
   * Why an answer could not go to this URL, or undefined when it can: asked before any work, so a
   * request that could never be answered changes nothing. @default every URL is accepted
   */
  refuses?: (responseUrl: string) => string | undefined;
}

export interface HttpsResponderOptions {
  /** Abort one attempt after this long. @default 10000 */
  readonly timeoutMs?: number;
  /** Attempts in all (a dropped connection is retried; CloudFormation waits an hour for an answer that never comes). @default 3 */
  readonly attempts?: number;
  /** Certificate authorities trusted instead of Node's store (a test's own). @default Node's CA store */
  readonly ca?: string | string[];
  /** Which hosts an answer may go to. @default {@link isResponseHost}: S3's, where CloudFormation's pre-signed URLs point */
  readonly hostAllowed?: (hostname: string) => boolean;
}

/**
 * Hosts of CloudFormation's pre-signed response URLs: its own response buckets, one per region
 * (`cloudformation-custom-resource-response-<region without dashes>`), addressed virtual-host style on
 * S3's global, legacy dash-regional or dotted regional endpoints, in the commercial, GovCloud and China
 * partitions, e.g. `cloudformation-custom-resource-response-useast1.s3.amazonaws.com`,
 * `…-uswest2.s3-us-west-2.amazonaws.com`, `…-useast1.s3.us-east-1.amazonaws.com`,
 * `…-cnnorth1.s3.cn-north-1.amazonaws.com.cn`. Anything else is refused, any other S3 bucket and
 * any other AWS host included: whoever may invoke the function must not be able to make it send
 * requests to a host of their choosing.
 */
export function isResponseHost(hostname: string): boolean {
  return /^cloudformation-custom-resource-response-[a-z0-9]{1,32}\.s3(?:[.-](?:dualstack\.)?[a-z]{2}(?:-gov)?-[a-z]+-\d)?\.amazonaws\.com(?:\.cn)?$/.test(hostname);
}

/**
 * The default {@link Responder}: one HTTPS PUT, as CloudFormation's pre-signed S3 URL requires it, with
 * an empty Content-Type (the URL is signed without one) and an explicit Content-Length. Only https,
 * only the hosts `hostAllowed` admits, no redirects; a non-2xx answer or a dropped connection is retried
 * after a short pause.
 */
export function httpsResponder(options: HttpsResponderOptions = {}): Responder {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 3;
  const hostAllowed = options.hostAllowed ?? isResponseHost;
  const putOnce = (url: URL, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const outgoing = httpsRequest(
        url,
        {
          method: 'PUT',
          headers: { 'content-type': '', 'content-length': String(body.length) },
          ca: options.ca,
          rejectUnauthorized: true,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          response.on('end', () => (status >= 200 && status < 300 ? resolve() : reject(new Error(`the response URL answered HTTP ${status}`))));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const parse = (responseUrl: string): URL | string => {
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      return 'The ResponseURL is not a URL';
    }
    if (url.protocol !== 'https:') return 'The ResponseURL is not https';
    if (!hostAllowed(url.hostname)) return 'The ResponseURL is not a CloudFormation response host';
    return url;
  };
  const respond: Responder = async (responseUrl, body) => {
    const url = parse(responseUrl);
    if (typeof url === 'string') throw new Error(url);
    const bytes = Buffer.from(body, 'utf8');
    for (let attempt = 1; ; attempt++) {
      try {
        return await putOnce(url, bytes);
      } catch (error) {
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  };
  respond.refuses = (responseUrl) => {
    const url = parse(responseUrl);
    return typeof url === 'string' ? url : undefined;
  };
  return respond;
}
