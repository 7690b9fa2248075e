import { SenderIpRanges, SignatureScheme } from '../lib';
import { resolveEnvironment } from '../bin/config';
import { DiscoveredEndpoint, findSource, selectEndpoints } from '../lib/cli/aws/discovery';
import { defaultEndpoint } from './support/stacks';

describe('a misspelt name is pointed at the one meant', () => {
  test('urlForSource', () => {
    const { endpoint } = defaultEndpoint();
    endpoint.addSource('github', { scheme: SignatureScheme.github() });
    expect(() => endpoint.urlForSource('gihub')).toThrow('No source "gihub" on Test/Webhooks; did you mean "github"? Its sources: billing, github');
    // nothing close: the source may not have been added yet
    expect(() => endpoint.urlForSource('stripe')).toThrow('No source "stripe" on Test/Webhooks; add it with addSource("stripe", ...) first, or use one of its sources: billing, github');
  });

  test('SignatureScheme.sender', () => {
    expect(() => SignatureScheme.sender('sqaure')).toThrow(/^Unknown sender "sqaure" \(did you mean "square"\?\): give one of /);
  });

  test('SenderIpRanges.publishedBy', () => {
    const { endpoint } = defaultEndpoint();
    expect(() => endpoint.addSource('hooks', { scheme: SignatureScheme.standardWebhooks(), senderIpRanges: SenderIpRanges.publishedBy('githib') })).toThrow(
      /senderIpRanges: "githib" is not a sender whose published list this library knows \(did you mean "github"\?\) \(those it knows: /,
    );
  });

  test('the example app\'s config', () => {
    const environments = { dev: { alarmMail: 'x', sources: { a: { scheme: 'strpe', toleranceSecond: 5 } } }, prod: {} };
    expect(() => resolveEnvironment(environments, 'prd')).toThrow(/Unknown environment "prd" \(did you mean "prod"\?\); pass -c env=<one of dev, prod>/);
    expect(() => resolveEnvironment(environments, 'dev')).toThrow(
      /unknown key "alarmMail" \(did you mean "alarmEmail"\?\); known keys: [\s\S]*unknown key "toleranceSecond" \(did you mean "toleranceSeconds"\?\)[\s\S]*scheme "strpe" \(did you mean "stripe"\?\); use one of/,
    );
  });

  test('the CLI\'s --source and --endpoint', () => {
    const source = (endpoint: string, name: string) => ({ endpoint, name }) as DiscoveredEndpoint['sources'][number];
    const endpoints: DiscoveredEndpoint[] = [
      { name: 'public', sources: [source('public', 'billing'), source('public', 'github')], alarmNames: [] },
      { name: 'partners', sources: [source('partners', 'billing')], alarmNames: [] },
    ];
    expect(() => findSource(endpoints, 'Hooks', 'gihub')).toThrow(
      'stack Hooks has no source named gihub; did you mean "github"? Its sources: billing (endpoint public), github (endpoint public), billing (endpoint partners)',
    );
    expect(() => selectEndpoints(endpoints, 'Hooks', { endpoint: 'partner' })).toThrow('stack Hooks has no endpoint named partner; did you mean "partners"? Its endpoints: public, partners');
  });
});
