import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run lint:cfn` over the example app is CI's job (.ci/run); this checks the script's verdicts on
// small templates. It needs cfn-lint on PATH (pip install cfn-lint==1.51.0).
const hasCfnLint = spawnSync('cfn-lint', ['--version']).status === 0;
const script = join(__dirname, '..', 'scripts', 'lint-cfn.mjs');

function lint(template: object): Promise<{ status: number | null; output: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'lint-cfn-test-')), 'template.json');
  writeFileSync(file, JSON.stringify(template));
  return new Promise((resolve) => {
    const run = spawn(process.execPath, [script, file]);
    let output = '';
    run.stdout.on('data', (chunk) => (output += chunk));
    run.stderr.on('data', (chunk) => (output += chunk));
    run.on('close', (status) => resolve({ status, output }));
  });
}

(hasCfnLint ? describe : describe.skip)('lint:cfn', () => {
  test('fails if a template has a cfn-lint error, printing it; passes one with only warnings, printing those', async () => {
    // GIVEN a queue with a string where CloudFormation wants an integer (error E3012), and a template
    // whose only finding is a redundant DependsOn (warning W3005)
    const bad = { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'abc' } } } };
    const redundantDependsOn = {
      Resources: {
        A: { Type: 'AWS::SQS::Queue' },
        B: { Type: 'AWS::SQS::Queue', DependsOn: 'A', Properties: { QueueName: { 'Fn::GetAtt': ['A', 'QueueName'] } } },
      },
    };
    // WHEN the script lints each (side by side: cfn-lint takes seconds to start)
    const [failed, warned] = await Promise.all([lint(bad), lint(redundantDependsOn)]);
    // THEN the error fails it, and the warning is reported without failing
    expect(failed.status).toBe(1);
    expect(failed.output).toMatch(/E3012/);
    expect(failed.output).toMatch(/1 error\(s\), 0 warning\(s\)/);
    expect(warned.status).toBe(0);
    expect(warned.output).toMatch(/W3005[\s\S]*0 error\(s\), 1 warning\(s\)/);
  });
});
