import { describe, expect, it } from 'vitest';
import { ReceivedFiles, revealReceived, type ShellLike } from '../src/main/received-files.js';

/** A shell that records what it was asked to do. */
function recordingShell(openResult = '') {
  const calls: string[] = [];
  const shell: ShellLike = {
    async openPath(path) {
      calls.push(`open ${path}`);
      return openResult;
    },
    showItemInFolder(path) {
      calls.push(`show ${path}`);
    },
  };
  return { shell, calls };
}

function withReceived(): ReceivedFiles {
  const files = new ReceivedFiles();
  files.onEvent({
    event: 'file-offer',
    peer: 'p',
    id: 'in1',
    name: 'a.txt',
    size: 1,
    sha256: '',
    type: '',
  });
  files.onEvent({ event: 'file-done', peer: 'p', id: 'in1', path: '/dl/a.txt', sha256: '' });
  // Our own offer's `file-done` carries the source path: never openable from here.
  files.onEvent({
    event: 'file-offered',
    peer: 'p',
    id: 'out1',
    name: 'b',
    size: 1,
    sha256: '',
    path: '/secret/b',
  });
  files.onEvent({ event: 'file-done', peer: 'p', id: 'out1', path: '/secret/b', sha256: '' });
  // A failed incoming transfer has no file.
  files.onEvent({
    event: 'file-offer',
    peer: 'p',
    id: 'in2',
    name: 'c',
    size: 1,
    sha256: '',
    type: '',
  });
  files.onEvent({ event: 'file-failed', peer: 'p', id: 'in2', reason: 'cancelled', message: 'x' });
  return files;
}

describe('Open and Show in folder (Electron main)', () => {
  it('opens and shows only a file this app received, by its transfer', async () => {
    const files = withReceived();
    const { shell, calls } = recordingShell();
    const exists = () => true;
    expect(
      await revealReceived(files, { action: 'open', peer: 'p', id: 'in1' }, shell, exists),
    ).toBeNull();
    expect(
      await revealReceived(files, { action: 'show', peer: 'p', id: 'in1' }, shell, exists),
    ).toBeNull();
    for (const id of ['out1', 'in2', 'nope']) {
      expect(await revealReceived(files, { action: 'open', peer: 'p', id }, shell, exists)).toBe(
        'Only files received in this session can be opened from here.',
      );
    }
    expect(
      await revealReceived(files, { action: 'open', peer: 'q', id: 'in1' }, shell, exists),
    ).not.toBeNull();
    expect(calls).toEqual(['open /dl/a.txt', 'show /dl/a.txt']);
  });

  it('says so in one sentence when the file is gone or the system cannot open it', async () => {
    const files = withReceived();
    const gone = recordingShell();
    expect(
      await revealReceived(
        files,
        { action: 'show', peer: 'p', id: 'in1' },
        gone.shell,
        () => false,
      ),
    ).toBe('That file is no longer where it was saved.');
    expect(gone.calls).toEqual([]);
    const failing = recordingShell('No application knows this file type');
    expect(
      await revealReceived(
        files,
        { action: 'open', peer: 'p', id: 'in1' },
        failing.shell,
        () => true,
      ),
    ).toBe('The system could not open that file.');
  });
});
