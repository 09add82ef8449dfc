// The command parser checks the kinds of fields only: what a chat text may hold is the
// session's rule (ERR_TEXT_TOO_LONG, ERR_BAD_TEXT), checked there once.
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/protocol/parse-command.js';
import { MAX_TEXT_BYTES } from '../../src/session/messages.js';
import { checkChatText } from '../../src/session/session.js';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('send text: validated once, by the session', () => {
  it('passes a long text through the command parser', () => {
    const text = 'x'.repeat(MAX_TEXT_BYTES + 1);
    expect(parseCommand({ cmd: 'send', text })).toEqual({ cmd: 'send', text });
    expect(codeOf(() => parseCommand({ cmd: 'send', text: 42 }))).toBe('ERR_BAD_COMMAND');
  });

  it('refuses it in checkChatText with ERR_TEXT_TOO_LONG (bytes, not characters)', () => {
    expect(codeOf(() => checkChatText('x'.repeat(MAX_TEXT_BYTES)))).toBeUndefined();
    expect(codeOf(() => checkChatText('x'.repeat(MAX_TEXT_BYTES + 1)))).toBe('ERR_TEXT_TOO_LONG');
    expect(codeOf(() => checkChatText('€'.repeat(MAX_TEXT_BYTES / 3 + 1)))).toBe(
      'ERR_TEXT_TOO_LONG',
    );
    expect(codeOf(() => checkChatText('bell \u0007'))).toBe('ERR_BAD_TEXT');
    expect(codeOf(() => checkChatText('lone \ud800'))).toBe('ERR_BAD_TEXT');
    expect(codeOf(() => checkChatText('tab\tline\nend\r'))).toBeUndefined();
  });
});
