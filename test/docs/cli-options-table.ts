// The option tables of docs/cli.md, generated from the command line's own definitions (commander):
// `npm run docs:cli` writes them, test/docs/cli.test.ts fails while docs/cli.md differs.
import type { Command, Option } from 'commander';
import { buildProgram } from '../../lib/cli';

// One table cell: placeholders such as <type>:env:<VAR> in code spans (markdown would read them as
// HTML tags), and the scheme list --help prints below its options is docs/senders.md here.
const cell = (text: string) =>
  text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/[\w:=./-]*<[^>\s]+>[\w:=<>./-]*/g, (token) => `\`${token}\``)
    .replace(' (see below)', ' ([senders.md](senders.md))');

/** A default as a person reads it: the `--timeout` durations are held in milliseconds. */
function defaultOf(option: Option): string {
  const value: unknown = option.defaultValue;
  if (option.negate || value === undefined || value === false) return '';
  if (/<duration>/.test(option.flags) && typeof value === 'number') {
    const minutes = value / 60_000;
    return Number.isInteger(minutes) ? `${minutes}m` : `${value / 1000}s`;
  }
  return String(value);
}

function commandTable(command: Command): string {
  const rows = command.options.map((option) => {
    const required = option.mandatory ? ' (required)' : '';
    const fallback = defaultOf(option);
    return `| \`${option.flags}\`${required} | ${cell(option.description)}${fallback ? ` (default: \`${fallback}\`)` : ''} |`;
  });
  return [`### \`${command.name()}\``, '', cell(command.description()), '', '| option | what it does |', '| --- | --- |', ...rows, '| `-h, --help` | this command\'s help, with examples |'].join('\n');
}

/** Every command, in the order `--help` lists them, each with a table of its options. */
export function cliOptionTables(): string {
  const program = buildProgram();
  const global = program.options.map((option) => `\`${option.flags}\``).join(', ');
  return [`Global options: ${global}, \`-h, --help\`.`, '', ...program.commands.map(commandTable).flatMap((table) => [table, ''])].join('\n').trimEnd();
}
