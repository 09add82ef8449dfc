/**
 * Makes sure there is an identity to chat with: on the first run it asks for a display name
 * and an optional passphrase (saying what the passphrase protects) and creates the key; on
 * later runs it unlocks a protected key. The questions go through an {@link Asker}: the TUI's
 * form, the line-based terminal, or nobody (scripts), which gets clear sentences instead.
 * @module
 */
import { errorCodeOf } from '@cryptully/core/protocol';
import { IdentityStore, normalizeProfileName, ProfileStore } from '@cryptully/core/storage';
import { CliError } from './errors.js';

/** The one sentence on what a passphrase protects, shown wherever one is asked for. */
export const PASSPHRASE_EXPLANATION =
  'A passphrase protects your key on this computer: anyone who copies the file can pretend to be you unless it has a passphrase.';

/** How many times a wrong passphrase may be typed before giving up. */
export const PASSPHRASE_ATTEMPTS = 3;

/** Asks the person questions; every method may throw `CliError` (`ERR_CANCELLED`). */
export interface Asker {
  /** Whether there is a person to ask at all. */
  readonly interactive: boolean;
  /** The display name for a new identity (checked with `check`). */
  askName(check: (name: string) => string | undefined): Promise<string>;
  /** A passphrase for a new identity; `''` for none. */
  askNewPassphrase(): Promise<string>;
  /** The passphrase of a protected identity; `wrong` when the previous try failed. */
  askPassphrase(wrong: boolean): Promise<string>;
  /** Says that something slow is happening (scrypt takes seconds), e.g. to draw a notice. */
  working?(what: string): void;
}

/** What a chat node needs from onboarding. */
export interface ChatIdentity {
  readonly home: string;
  readonly name: string;
  readonly passphrase: string | undefined;
  /** True when this run created the identity. */
  readonly created: boolean;
  /** A note for stderr (e.g. the key is stored unprotected), if any. */
  readonly note?: string;
}

/** Checks a display name; returns what is wrong with it, or undefined. */
export function nameProblem(name: string): string | undefined {
  try {
    normalizeProfileName(name);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The asker for runs without a terminal: every question becomes a clear error. */
export const NOBODY: Asker = {
  interactive: false,
  askName: async () => {
    throw new CliError(
      'ERR_NO_IDENTITY',
      'no identity yet, and no terminal to ask for your name: run again with --name NAME ' +
        '(and CRYPTULLY_PASSPHRASE to protect your key), or run "cryptully id create" first',
    );
  },
  askNewPassphrase: async () => '',
  askPassphrase: async () => {
    throw new CliError(
      'ERR_IDENTITY_PASSPHRASE_REQUIRED',
      'your identity is protected by a passphrase: set CRYPTULLY_PASSPHRASE to unlock it',
    );
  },
};

/**
 * Finds or creates the identity in `home` and the name to chat under.
 * @param options.name the name given with `--name` (saved by the chat node)
 */
export async function prepareIdentity(
  home: string,
  options: { name?: string },
  env: NodeJS.ProcessEnv,
  asker: Asker,
): Promise<ChatIdentity> {
  const store = new IdentityStore(home, { env });
  const profile = new ProfileStore(home);
  if (options.name !== undefined) {
    const problem = nameProblem(options.name);
    if (problem) throw new CliError('ERR_BAD_NAME', problem);
  }
  const savedName = options.name ?? (await profile.load())?.name;

  if (!(await store.exists())) {
    const name = savedName ?? (await asker.askName(nameProblem));
    const fromEnv = env.CRYPTULLY_PASSPHRASE;
    const passphrase = fromEnv ?? (await asker.askNewPassphrase());
    asker.working?.(
      passphrase ? 'Protecting your key with your passphrase…' : 'Creating your key…',
    );
    await store.create({ passphrase });
    await profile.save({ name });
    const note =
      passphrase === '' && !asker.interactive
        ? `note: your key was saved without a passphrase in ${store.path}. ${PASSPHRASE_EXPLANATION} Set CRYPTULLY_PASSPHRASE when creating it, or run "cryptully id passphrase" to add one.`
        : undefined;
    return { home, name, passphrase, created: true, note };
  }

  let passphrase = env.CRYPTULLY_PASSPHRASE;
  const { encrypted } = await store.inspect();
  if (encrypted && passphrase === undefined) {
    passphrase = await unlock(store, asker);
  }
  const name = savedName ?? (await asker.askName(nameProblem));
  return { home, name, passphrase, created: false };
}

/**
 * Asks for the passphrase of a protected identity until it opens the key (at most
 * {@link PASSPHRASE_ATTEMPTS} times); returns it.
 */
export async function unlock(store: IdentityStore, asker: Asker): Promise<string> {
  let wrong = false;
  for (let attempt = 0; attempt < PASSPHRASE_ATTEMPTS; attempt++) {
    const passphrase = await asker.askPassphrase(wrong);
    asker.working?.('Unlocking your key…');
    try {
      const keyPair = await store.load(passphrase);
      keyPair.privateKey.fill(0);
      return passphrase;
    } catch (error) {
      if (errorCodeOf(error) !== 'ERR_IDENTITY_WRONG_PASSPHRASE') throw error;
      wrong = true;
    }
  }
  throw new CliError(
    'ERR_IDENTITY_WRONG_PASSPHRASE',
    `wrong passphrase ${PASSPHRASE_ATTEMPTS} times; nothing was changed`,
  );
}
