import { createSign } from 'node:crypto';
import { createLocalCa, Leaf, LocalCa } from './local-ca';

/*
 * SNS messages signed as SNS signs them (SignatureVersion 2, SHA256withRSA), with a certificate of the
 * tests' own authority. The string to sign is built from AWS's documentation
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html), not with the
 * scheme's code, so the tests check the scheme against the documentation.
 */

export const SNS_TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';
export const SNS_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** The fields each message type signs, in the order SNS signs them. */
export const SNS_SIGNED_FIELDS: Record<SnsType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** `name\nvalue\n` for each signed field present, as SNS joins them. */
export function snsStringToSign(fields: Readonly<Record<string, string>>): string {
  return SNS_SIGNED_FIELDS[fields.Type as SnsType]
    .filter((name) => fields[name] !== undefined)
    .map((name) => `${name}\n${fields[name]}\n`)
    .join('');
}

export interface SnsSigner {
  /** The leaf certificate SNS would sign with (valid at TEST_NOW). */
  readonly leaf: () => Leaf;
  /** `fields` with the signature fields SNS adds, signed with the leaf. */
  readonly sign: (fields: Readonly<Record<string, string>>, certUrl?: string) => Record<string, string>;
}

/** A local authority and a leaf issued to SNS, made before the file's tests and removed after them. */
export function useSnsSigner(): SnsSigner {
  let ca: LocalCa | undefined;
  let leaf: Leaf | undefined;
  beforeAll(() => {
    ca = createLocalCa();
    leaf = ca.issue({ cn: 'sns.amazonaws.com', dns: ['sns.amazonaws.com'] });
  });
  afterAll(() => ca?.dispose());
  return {
    leaf: () => leaf!,
    sign: (fields, certUrl = SNS_CERT_URL) => {
      const signature = createSign('RSA-SHA256').update(snsStringToSign(fields)).sign(leaf!.privateKey).toString('base64');
      return { ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: certUrl };
    },
  };
}
