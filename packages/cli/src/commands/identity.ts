/**
 * `cryptully id …`: show, create, protect, export and import the identity, outside a chat.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fingerprint, inspectIdentityFile } from '@cryptully/core/identity';
import { errorCodeOf } from '@cryptully/core/protocol';
import { cryptullyHome, IdentityStore, ProfileStore } from '@cryptully/core/storage';
import type { ParsedArgs } from '../args/parse-args.js';
import { lineAsker } from '../askers.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import {
  type Asker,
  NOBODY,
  nameProblem,
  PASSPHRASE_EXPLANATION,
  prepareIdentity,
  unlock,
} from '../onboarding.js';
import { ask } from '../prompt.js';

function stores(io: CliIo) {
  const home = cryptullyHome(io.env);
  return {
    home,
    identity: new IdentityStore(home, { env: io.env }),
    profile: new ProfileStore(home),
  };
}

function askerFor(io: CliIo): Asker {
  return io.interactive ? lineAsker(io) : NOBODY;
}

const NO_IDENTITY =
  'you have no identity yet: run "cryptully id create", or just "cryptully host" (it asks on first run)';

/** `cryptully id`: name, fingerprint, protection and where the file is. */
export async function showIdentity(_parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const { identity, profile } = stores(io);
  if (!(await identity.exists())) throw new CliError('ERR_IDENTITY_NOT_FOUND', NO_IDENTITY);
  const info = await identity.inspect();
  const name = (await profile.load())?.name ?? '(no name yet)';
  const backups = await identity.replacedBackups();
  io.stdout.write(
    [
      `Name:         ${name}`,
      `Fingerprint:  ${fingerprint(info.publicKey)}`,
      `Passphrase:   ${info.encrypted ? 'yes, your key is protected' : 'none (anyone who copies the file can pretend to be you)'}`,
      `Stored in:    ${identity.path}`,
      ...backups.map((path) => `Old key kept: ${path}`),
      ...(backups.length > 0
        ? [
            'An old key is an identity this one replaced; it can still pretend to be you to',
            'friends who knew it. Delete it once you are sure you do not need it.',
          ]
        : []),
      '',
      'Friends can compare this fingerprint with the one their cryptully shows for you.',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

/** `cryptully id create`. */
export async function createIdentity(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const { identity: store } = stores(io);
  if (await store.exists()) {
    throw new CliError(
      'ERR_IDENTITY_EXISTS',
      `you already have an identity (${store.path}); "cryptully id" shows it`,
    );
  }
  const identity = await prepareIdentity(stores(io).home, parsed.options, io.env, askerFor(io));
  if (identity.note) io.stderr.write(`${identity.note}\n`);
  const info = await store.inspect();
  io.stdout.write(
    `Created your identity, ${identity.name}. Fingerprint: ${fingerprint(info.publicKey)}\n`,
  );
  return EXIT.ok;
}

/** `cryptully id passphrase`: set, change or remove the passphrase. */
export async function changePassphrase(_parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const { identity } = stores(io);
  if (!(await identity.exists())) throw new CliError('ERR_IDENTITY_NOT_FOUND', NO_IDENTITY);
  const { encrypted } = await identity.inspect();
  let current = encrypted ? io.env.CRYPTULLY_PASSPHRASE : '';
  // Check the current passphrase before asking for a new one.
  if (current === undefined) current = await unlock(identity, askerFor(io));
  else if (encrypted) (await identity.load(current)).privateKey.fill(0);
  let next = io.env.CRYPTULLY_NEW_PASSPHRASE;
  if (next === undefined) {
    if (!io.interactive) {
      throw new CliError(
        'ERR_NO_NEW_PASSPHRASE',
        'set CRYPTULLY_NEW_PASSPHRASE to the new passphrase (empty to remove it), or run this in a terminal',
      );
    }
    io.stderr.write(`${PASSPHRASE_EXPLANATION}\n`);
    for (;;) {
      next = await ask(io, 'New passphrase (Enter for none): ', { hidden: true });
      if (next === '' || next === (await ask(io, 'The same again: ', { hidden: true }))) break;
      io.stderr.write('The two passphrases differ; try again.\n');
    }
  }
  await identity.changePassphrase(current, next);
  io.stdout.write(
    next === ''
      ? 'Your key is now stored without a passphrase.\n'
      : 'Your passphrase was changed.\n',
  );
  return EXIT.ok;
}

/** `cryptully id export <file>`. */
export async function exportIdentity(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const { identity } = stores(io);
  if (!(await identity.exists())) throw new CliError('ERR_IDENTITY_NOT_FOUND', NO_IDENTITY);
  const file = resolve(parsed.args[0]!);
  try {
    await identity.exportTo(file);
  } catch (error) {
    const core = errorCodeOf(error);
    const exists = core === 'ERR_FILE_EXISTS' || core === 'ERR_IDENTITY_EXISTS';
    if (exists || (error as { code?: unknown }).code === 'EEXIST') {
      throw new CliError('ERR_FILE_EXISTS', `${file} already exists; choose another file name`);
    }
    throw error;
  }
  const { encrypted } = await identity.inspect();
  io.stdout.write(
    `Saved your identity to ${file}. ${encrypted ? 'It keeps your passphrase.' : 'It has no passphrase: keep it somewhere safe, and delete it once imported.'}\n` +
      `On the other computer: cryptully id import ${parsed.args[0]}\n`,
  );
  return EXIT.ok;
}

/** `cryptully id import <file>`. */
export async function importIdentity(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const { identity, profile } = stores(io);
  const file = resolve(parsed.args[0]!);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError('ERR_FILE_NOT_FOUND', `cannot read ${file}`);
  }
  const info = inspectIdentityFile(text);
  let passphrase = info.encrypted ? io.env.CRYPTULLY_PASSPHRASE : '';
  if (passphrase === undefined) passphrase = await askerFor(io).askPassphrase(false);
  await identity.importFrom(file, { passphrase });
  const name = parsed.options.name ?? (await profile.load())?.name;
  if (parsed.options.name !== undefined) {
    const problem = nameProblem(parsed.options.name);
    if (problem) throw new CliError('ERR_BAD_NAME', problem);
    await profile.save({ name: parsed.options.name });
  }
  io.stdout.write(
    `Imported. This computer now uses the identity with fingerprint ${fingerprint(info.publicKey)}.\n` +
      (name
        ? ''
        : 'Choose the name your friends see with --name NAME the next time you host or join.\n'),
  );
  return EXIT.ok;
}
