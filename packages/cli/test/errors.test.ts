import { CryptullyError } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError, userMessage } from '../src/errors.js';

describe("the CLI's errors", () => {
  it("are core's typed errors: a stable code, the exit status, one sentence for people", () => {
    const failure = new CliError('ERR_OPEN', 'could not open the identity');
    expect(failure).toBeInstanceOf(CryptullyError);
    expect(failure).toMatchObject({ code: 'ERR_OPEN', exitCode: 1, name: 'CliError' });
    const usage = new UsageError('no command "x"');
    expect(usage).toBeInstanceOf(CryptullyError);
    expect(usage).toMatchObject({ code: 'ERR_USAGE', exitCode: 2, name: 'UsageError' });
    expect(userMessage(usage)).toBe('no command "x".');
  });
});
