/**
 * Reviewer R4, issue 22 round 2 (medium). lib/sender-ip-ranges.ts:235 scopes the refresher to
 * `ipset/<endpoint>_*` and :283-286 says "a renamed endpoint or source is a new resource (Create, then the
 * old one's Delete in cleanup ...)". A renamed ENDPOINT (props.endpointName changed; the construct ids stay)
 * keeps the same refresher function and updates its policy in place to the NEW prefix before the cleanup
 * phase. The old sets `<old>_<source>-v4|v6` are then deleted in cleanup by that same function, whose
 * policy no longer matches their ARNs: GetIPSet/DeleteIPSet answer AccessDeniedException, retried 39 s
 * (ACCESS_DENIED_BACKOFF_MS) and answered FAILED; CloudFormation ignores a failed delete in cleanup and the
 * old IP sets stay in the account for ever (WAF quota, drift), contrary to 8b77302's "removals clean up".
 * Fix: keep the function's logical id (or policy) tied to the endpoint name (so the old function + old
 * policy delete the old sets), or scope the statement to the account's `*_*` sets with a tag condition
 * (aws:ResourceTag/<endpoint tag>), or put the endpoint name in the refresher's construct id.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { SenderIpRanges, SignatureScheme } from '../../lib';
import { defaultEndpoint } from '../support/stacks';

function synth(endpointName: string) {
  const built = defaultEndpoint({ endpointName });
  built.endpoint.addSource('github', { scheme: SignatureScheme.github(), senderIpRanges: SenderIpRanges.published() });
  return built.template();
}

/** Whether an IAM resource pattern (with Fn::Join/* wildcards) could match a WAF IP set named `name`. */
function resourceAllowsName(resource: unknown, name: string): boolean {
  const flat = JSON.stringify(resource);
  const m = flat.match(/ipset\/([^"*]*)\*/);
  return m !== null && name.startsWith(m[1]);
}

test('after an endpoint rename, the function that deletes the old IP sets in cleanup may still delete them', () => {
  const before = synth('alpha');
  const after = synth('beta');
  const oldSets = before.findResources('Custom::WebhookIpSet');
  const newSets = after.findResources('Custom::WebhookIpSet');
  const removed = Object.entries(oldSets).filter(([logicalId]) => !(logicalId in newSets));
  expect(removed.map(([, r]) => r.Properties.Name).sort()).toEqual(['alpha_github-v4', 'alpha_github-v6']);

  for (const [, resource] of removed) {
    const fnLogicalId = resource.Properties.ServiceToken['Fn::GetAtt'][0] as string;
    // In the stack after the update, which function (and policy) serves that old resource's Delete?
    const fnAfter = after.toJSON().Resources[fnLogicalId];
    if (fnAfter === undefined) continue; // a different function: its old policy goes after the sets (fine)
    expect(fnLogicalId in before.toJSON().Resources).toBe(true);
    const roleRef = JSON.stringify(fnAfter.Properties.Role);
    const policies = [...Object.values(after.findResources('AWS::IAM::Policy')), ...Object.values(after.findResources('AWS::IAM::ManagedPolicy'))].filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(JSON.parse(roleRef)['Fn::GetAtt'][0]),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const canDelete = statements.some(
      (s) => [s.Action].flat().includes('wafv2:DeleteIPSet') && [s.Resource].flat().some((r) => resourceAllowsName(r, resource.Properties.Name)),
    );
    expect({ set: resource.Properties.Name, deletableByItsFunctionAfterTheUpdate: canDelete }).toEqual({
      set: resource.Properties.Name,
      deletableByItsFunctionAfterTheUpdate: true,
    });
  }
});
void Template;
