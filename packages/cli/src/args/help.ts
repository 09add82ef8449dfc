import { EXIT_CODE_HELP } from '../exit-codes.js';
import { VERSION } from '../version.js';
import {
  ALL_OPTIONS,
  COMMANDS,
  type CommandSpec,
  ENVIRONMENT,
  GLOBAL_OPTIONS,
  type OptionSpec,
} from './commands.js';

const WIDTH = 80;

function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** Two columns; a right cell too long for the line wraps, continued under itself. */
function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const indent = ' '.repeat(2 + width);
  return rows
    .map(([left, right]) => `  ${left.padEnd(width)}${wrap(right, indent).slice(indent.length)}`)
    .join('\n');
}

function optionLabel(option: OptionSpec): string {
  const short = option.short ? `-${option.short}, ` : '    ';
  const value = option.placeholder ? ` ${option.placeholder}` : '';
  return `${short}--${option.name}${value}`;
}

function usageLine(command: CommandSpec): string {
  const subcommands = COMMANDS.filter(
    (candidate) => candidate.id.startsWith(`${command.id} `) && command.id !== '',
  );
  const args = command.args.map((arg) => (arg.required ? `<${arg.name}>` : `[${arg.name}]`));
  const options = command.options.map((name) => {
    const option = ALL_OPTIONS.find((candidate) => candidate.name === name)!;
    return `[--${option.name}${option.placeholder ? ` ${option.placeholder}` : ''}]`;
  });
  // A long usage wraps between options (never inside one), continued under the command.
  const lines = [''];
  for (const part of ['cryptully', command.id, ...args, ...options].filter(Boolean)) {
    const last = lines.length - 1;
    if (lines[last] && 2 + lines[last]!.length + 1 + part.length > WIDTH) lines.push(`    ${part}`);
    else lines[last] = lines[last] ? `${lines[last]} ${part}` : part;
  }
  for (const sub of subcommands)
    lines.push(`cryptully ${sub.id}${sub.args.map((a) => ` <${a.name}>`).join('')}`);
  return lines.map((line) => `  ${line}`).join('\n');
}

/**
 * Renders the `--help` text of a command from the command table: what it does, how to call
 * it, examples, options, environment and exit statuses.
 */
export function renderHelp(command: CommandSpec): string {
  const parts: string[] = [];
  if (command.id === '') {
    parts.push(`cryptully ${VERSION}: ${command.summary}.`);
    parts.push(wrap(command.description, ''));
    parts.push(
      `Commands:\n${table(
        COMMANDS.filter((c) => c.id !== '').map((c) => [`cryptully ${c.id}`, c.summary] as const),
      )}`,
    );
  } else {
    parts.push(`cryptully ${command.id}: ${command.summary}.`);
    parts.push(`Usage:\n${usageLine(command)}`);
    parts.push(wrap(command.description, ''));
  }
  if (command.args.length > 0) {
    parts.push(
      `Arguments:\n${table(command.args.map((arg) => [`<${arg.name}>`, arg.summary] as const))}`,
    );
  }
  if (command.examples.length > 0) {
    parts.push(
      `Examples:\n${command.examples.map(([line, why]) => `  ${line}\n      ${why}`).join('\n')}`,
    );
  }
  const own = command.options.map((name) => ALL_OPTIONS.find((option) => option.name === name)!);
  const globals = command.chat || command.id === '' ? GLOBAL_OPTIONS : GLOBAL_OPTIONS.slice(0, 2);
  parts.push(
    `Options:\n${table([...own, ...globals].map((option) => [optionLabel(option), option.summary] as const))}`,
  );
  if (command.id === '' || command.chat) {
    parts.push(
      wrap(
        'In a chat, type a message and press Enter; /help lists the commands (/invite, ' +
          '/verify, /ask, /accept, /reject, /send, /peers, /name, /switch, /quit).',
        '',
      ),
    );
  }
  parts.push(`Environment:\n${table(ENVIRONMENT)}`);
  parts.push(
    `Exit status:\n${table(EXIT_CODE_HELP.map(([code, meaning]) => [String(code), meaning] as const))}`,
  );
  return `${parts.join('\n\n')}\n`;
}
