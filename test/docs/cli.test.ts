import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../lib/cli';
import { cliOptionTables } from './cli-options-table';

const page = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');

// docs/cli.md's option tables are generated from the command line: a command or option added, changed
// or removed without `npm run docs:cli` fails here.
test('the option tables of docs/cli.md are the command line\'s', () => {
  const found = /<!-- cli-options:start -->\n([\s\S]*?)\n<!-- cli-options:end -->/.exec(page);
  expect(found?.[1]).toBe(cliOptionTables());
});

test('docs/cli.md names every command and every option', () => {
  for (const command of buildProgram().commands) {
    expect(page).toContain(`### \`${command.name()}\``);
    for (const option of command.options) expect(page).toContain(`\`${option.flags}\``);
  }
});
