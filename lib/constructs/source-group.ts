import { NestedStack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MonitoringHome } from './webhook-monitoring';

/**
 * The sources an endpoint puts in one group (`group` on a source), in a nested stack of their own:
 * their functions, roles, secrets, log groups, API resources and methods, alarms and rules. The web
 * ACL, the API and its stage, the queue, the table, the key and the alarm topic stay in the
 * endpoint's stack; the group's methods are deployed through that API and stage.
 *
 * Why nested stacks, and why a group per source rather than a number per stack: CloudFormation takes
 * at most 500 resources and 1 MB per stack, a source needs about 18 resources (its own function,
 * role, policy and log group for verifying and for rotating, its secret, route, alarms and rule,
 * which is its isolation), and one `cdk deploy` still deploys them all. The group is named by the
 * user, not computed, so adding or removing a source never moves another: a moved source would be
 * recreated in another stack, and its secret (a fixed name) cannot be created there while the old
 * one exists.
 */
export class SourceGroup extends NestedStack {
  public readonly groupName: string;
  /** Its sources' composite alarm, Contributor Insights rule and saved queries. */
  public readonly monitoring: MonitoringHome;
  public readonly sourceNames: string[] = [];

  constructor(scope: Construct, id: string, props: { groupName: string; description: string; monitoring: (scope: Construct) => MonitoringHome }) {
    super(scope, id, { description: props.description });
    this.groupName = props.groupName;
    this.monitoring = props.monitoring(this);
  }
}
