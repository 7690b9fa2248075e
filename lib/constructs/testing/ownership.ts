import { CfnResource } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import * as library from '../../index';

const PACKAGE = 'cdk-hardened-webhook';
const JSII_RTTI = Symbol.for('jsii.rtti');

/** The construct classes the package exports; every construct the library builds sits under one of them. */
const LIBRARY_CLASSES = new Set<unknown>(Object.values(library).filter((v) => typeof v === 'function' && v.prototype instanceof Construct));

/**
 * Whether `construct` is an instance of one of the library's construct classes (of the one named, if
 * given): by class, or by jsii type name (`cdk-hardened-webhook.<Name>`), which also recognises a
 * second copy of the library in the same app.
 */
function isLibraryClass(construct: IConstruct, name?: string): boolean {
  for (let proto = Object.getPrototypeOf(construct); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const ctor = proto.constructor;
    if (name ? ctor === (library as Record<string, unknown>)[name] : LIBRARY_CLASSES.has(ctor)) return true;
    const fqn: unknown = ctor?.[JSII_RTTI]?.fqn;
    if (typeof fqn === 'string' && (name ? fqn === `${PACKAGE}.${name}` : fqn.startsWith(`${PACKAGE}.`))) return true;
  }
  return false;
}

/**
 * Tells the library's constructs from the user's in one construct tree. A construct is the library's
 * when it or an ancestor is an instance of a construct class this package exports (the endpoint, and
 * what it builds: sources, source groups (nested stacks), monitoring, access roles ...), or when it is
 * the one resource the library creates outside its own subtree: the SQS event source mapping that
 * connects an endpoint's queue to the `processor` (created under the user's function by
 * `addEventSource`), recognised as an event source mapping whose source is an endpoint's queue.
 */
export class LibraryOwnership {
  private readonly endpointQueueArns = new Set<string>();

  constructor(root: IConstruct) {
    for (const construct of root.node.findAll()) {
      if (isLibraryClass(construct, 'HardenedWebhookEndpoint')) {
        const queueArn = (construct as { queue?: { queueArn?: unknown } }).queue?.queueArn;
        if (typeof queueArn === 'string') this.endpointQueueArns.add(queueArn);
      }
    }
  }

  public isLibrary(construct: IConstruct): boolean {
    for (let node: IConstruct | undefined = construct; node; node = node.node.scope) {
      if (isLibraryClass(node)) return true;
      if (this.isEndpointQueueMapping(node)) return true;
    }
    return false;
  }

  /** The processor's event source mapping: the token string of the queue's ARN is the one the endpoint holds. */
  private isEndpointQueueMapping(construct: IConstruct): boolean {
    if (!CfnResource.isCfnResource(construct) || construct.cfnResourceType !== 'AWS::Lambda::EventSourceMapping') return false;
    const source = (construct as unknown as { eventSourceArn?: unknown }).eventSourceArn;
    return typeof source === 'string' && this.endpointQueueArns.has(source);
  }
}
