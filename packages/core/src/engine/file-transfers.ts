/**
 * File transfers of a chat node (docs/protocol-session.md §8): offers, accept / decline /
 * cancel, chunks under flow control, the hash check, and resuming after a cut. Transfers
 * belong to the peer key, not to one connection: when the same peer connects again, the
 * sender offers its unfinished files again under the same ids and the receiver answers with
 * the bytes it has already written and hashed, so the transfer continues from there.
 *
 * Receiving is safe by construction: nothing is created before the user accepts; data goes to
 * a temporary file in the destination folder, which gets its (sanitised, never clobbering)
 * final name only once the SHA-256 matched; any failure removes the temporary file.
 * @module
 */
import { basename, resolve } from 'node:path';
import {
  type FileDisk,
  FileDiskError,
  type PartFile,
  type SourceFile,
} from '../adapters/file-disk.js';
import type { FolderListing } from '../adapters/folder-disk.js';
import { randomBytes, toHex } from '../crypto/index.js';
import { sanitizeFileName } from '../files/file-name.js';
import { FolderManifestError, type SafeEntry, safeEntries } from '../files/folder-manifest.js';
import { mediaTypeFor } from '../files/media-type.js';
import {
  chunkHeaderBytes,
  type FileChunk,
  MAX_CHUNK_BYTES,
  MIN_CHUNK_BYTES,
  writeChunkHeader,
} from '../files/transfer-wire.js';
import type { ChatEvent, FileFailure, PeerId } from '../protocol/events.js';
import type { FileMessage, FileOfferMessage } from '../session/messages.js';
import {
  encodeMessage,
  MAX_FOLDER_ENTRIES,
  MAX_NAME_BYTES,
  MAX_SESSION_MESSAGE_BYTES,
} from '../session/messages.js';
import { EngineCommandError } from './errors.js';

/** Bytes a sender may have sent beyond the receiver's last `file-ack`. */
export const FILE_WINDOW_BYTES = 8 * 1024 * 1024;
/** The receiver acknowledges at least every this many bytes written. */
export const FILE_ACK_EVERY_BYTES = 1024 * 1024;
/** Offers from one peer waiting for the user at once; more are refused (`busy`). */
export const MAX_PENDING_OFFERS = 16;
/** Least time between two `file-progress` events of one transfer. */
export const FILE_PROGRESS_INTERVAL_MS = 250;
/** How long hashing a file to send runs before the first `file-preparing` event. */
export const FILE_PREPARING_DELAY_MS = 250;
/**
 * Read-ahead of the sender: one vectored disk read fills this many bytes of chunks, laid out
 * behind their headers (no copy), and the next block is read while this one is sent.
 */
const READ_BLOCK_BYTES = 1024 * 1024;
/**
 * The receiver gathers chunks into writes of this size (one disk write and one hash update
 * per megabyte rather than per chunk). Well under {@link FILE_WINDOW_BYTES}, so the
 * acknowledgements keep flowing.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** Finished incoming ids remembered per node, to answer a re-offer after a lost receipt. */
const MAX_REMEMBERED_DONE = 1024;

/** The live connection to a peer, as transfers need it. */
export interface FileLink {
  /** Sends a file message on the session. */
  send(message: FileMessage): void;
  /** Sends an encoded chunk; false: wait for {@link whenDrained}. */
  sendChunk(bytes: Uint8Array): boolean;
  /** Calls `fn` once the channel accepts more. */
  whenDrained(fn: () => void): void;
  /** Whether the peer announced the `folder` capability (absent: it did not). */
  folders?(): boolean;
}

/** What {@link FileTransfers} needs from its node. */
export interface FileTransfersOptions {
  disk: FileDisk;
  /** The default destination folder. */
  downloadsDir: string;
  /**
   * The live, approved link to a peer whose session has the file capability: the same object
   * for as long as one connection lasts.
   */
  link(peer: PeerId): FileLink | undefined;
  emit(event: ChatEvent): void;
  log(line: string): void;
  clock: () => number;
  /**
   * How long reading a file for its hash may take before `file-preparing` events start
   * (milliseconds; default {@link FILE_PREPARING_DELAY_MS}): a small file emits none.
   */
  preparingDelayMs?: number;
}

interface Outgoing {
  peer: PeerId;
  id: string;
  path: string;
  offer: FileOfferMessage;
  /** `offered`: waiting for file-accept; `sending`: chunks flow. */
  state: 'offered' | 'sending';
  source?: SourceFile;
  /** The chunks being sent: read from the disk, encoded, in file order. */
  block?: Block;
  /** The next block, being read while {@link block} is sent. */
  ahead?: { offset: number; read: Promise<Block> };
  /**
   * A whole block already handed to the channel (which copies what it is given), whose buffer
   * the next read fills again: one 1 MiB buffer less to allocate and collect per megabyte.
   */
  spare?: Block;
  sent: number;
  acked: number;
  pumping: boolean;
  progressAt: number;
  ended: boolean;
}

/** Encoded chunks of one read-ahead block: `messages[i]` starts at `offset + i * 64 KiB`. */
interface Block {
  offset: number;
  /** The whole buffer: the chunks one after the other, each header before its data. */
  buffer: Uint8Array;
  messages: Uint8Array[];
  /** The data part of each message, where the disk read puts the file's bytes. */
  targets: Uint8Array[];
  next: number;
}

interface Incoming {
  peer: PeerId;
  id: string;
  offer: FileOfferMessage;
  name: string;
  /** A folder offer's checked entries. */
  entries?: SafeEntry[];
  state: 'offered' | 'receiving';
  dir?: string;
  part?: PartFile;
  received: number;
  written: number;
  ackSent: number;
  /** Received data not yet handed to the disk (see {@link WRITE_BATCH_BYTES}). */
  batch?: Uint8Array;
  batchLength: number;
  /** A written batch's buffer, free for the next batch (less garbage per megabyte). */
  spare?: Uint8Array;
  writes: Promise<void>;
  progressAt: number;
  ended: boolean;
}

const REASONS: Readonly<Record<string, FileFailure>> = Object.freeze({
  cancelled: 'cancelled',
  declined: 'declined',
  'hash-mismatch': 'hash-mismatch',
  'size-mismatch': 'size-mismatch',
  protocol: 'protocol',
  'disk-full': 'disk-full',
  permission: 'permission',
  'io-error': 'io-error',
  'read-error': 'read-error',
  busy: 'busy',
});

const MESSAGES: Readonly<Record<FileFailure, string>> = Object.freeze({
  declined: 'The peer declined the file.',
  cancelled: 'The transfer was cancelled.',
  'hash-mismatch': 'The received content does not match the offered SHA-256; it was deleted.',
  'size-mismatch': 'The peer sent more data than it offered; the transfer was stopped.',
  protocol: 'The peer broke the file-transfer rules; the transfer was stopped.',
  'disk-full': 'The disk is full.',
  permission: 'No permission to write there.',
  'io-error': 'The file could not be written.',
  'read-error': 'The file to send could not be read (it changed or went away).',
  busy: 'Too many file offers at once.',
});

const key = (peer: PeerId, id: string) => `${peer}\u0000${id}`;
const utf8 = new TextEncoder();

/** See the module documentation. */
export class FileTransfers {
  readonly #o: FileTransfersOptions;
  readonly #outgoing = new Map<string, Outgoing>();
  readonly #incoming = new Map<string, Incoming>();
  /** Our files still being read for their hash (before the offer), by key: `cancel` stops them. */
  readonly #hashing = new Map<string, AbortController>();
  readonly #done = new Set<string>();

  constructor(options: FileTransfersOptions) {
    this.#o = options;
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Offers a file to a connected peer: hashes it (emitting `file-preparing` while that takes
   * long), sends the offer, emits `file-offered` with the same id. A {@link cancel} while it is
   * hashed stops the reading and ends the command quietly (its `file-failed` says so).
   * @throws {EngineCommandError} `ERR_NO_SUCH_PEER` (not connected), `ERR_FILE_UNSUPPORTED`
   *   (the peer's client has no file transfer), `ERR_BAD_FILE_NAME`; {@link FileDiskError}.
   */
  async send(peer: PeerId, path: string, name: string | undefined): Promise<void> {
    this.#linkOrThrow(peer);
    const offeredName = name ?? basename(resolve(path)); // `.` or `dir/` name the folder itself
    if (
      offeredName.length === 0 ||
      utf8.encode(offeredName).length > MAX_NAME_BYTES ||
      /[\u0000-\u001f\u007f-\u009f]|\p{Surrogate}/u.test(offeredName)
    ) {
      throw new EngineCommandError(
        'ERR_BAD_FILE_NAME',
        'A file name must be 1 to 256 bytes without control characters.',
      );
    }
    const absolute = resolve(path);
    const folder = await this.#o.disk.isFolder(absolute);
    if (folder && this.#linkOrThrow(peer).folders?.() !== true) {
      throw new EngineCommandError(
        'ERR_FOLDER_UNSUPPORTED',
        "The peer's client cannot receive folders; send the files one by one.",
      );
    }
    // The id is drawn first, so that `file-preparing` and `file-offered` name the same transfer.
    const id = toHex(randomBytes(8));
    const hashing = new AbortController();
    const onProgress = this.#preparing(peer, id, offeredName, absolute, hashing.signal);
    this.#hashing.set(key(peer, id), hashing);
    let listing: FolderListing | undefined;
    let hashed: { size: number; sha256: string };
    try {
      listing = folder
        ? await this.#o.disk.listFolder(absolute, onProgress, hashing.signal)
        : undefined;
      hashed = listing ?? (await this.#o.disk.hash(absolute, onProgress, hashing.signal));
    } catch (error) {
      if (hashing.signal.aborted) return;
      throw error;
    } finally {
      this.#hashing.delete(key(peer, id));
    }
    // Cancelled after the last read: `cancel` has already reported it.
    if (hashing.signal.aborted) return;
    const { size, sha256 } = hashed;
    const link = this.#linkOrThrow(peer); // still there after hashing?
    const offer: FileOfferMessage = {
      t: 'file-offer',
      id,
      name: offeredName,
      size,
      type: listing ? 'inode/directory' : mediaTypeFor(offeredName),
      sha256,
      ...(listing ? { kind: 'folder' as const, entries: listing.entries } : {}),
    };
    if (listing) {
      if (listing.entries.length === 0) {
        throw new EngineCommandError('ERR_FOLDER_EMPTY', 'The folder has no files to send.');
      }
      if (
        listing.entries.length > MAX_FOLDER_ENTRIES ||
        encodeMessage(offer).length > MAX_SESSION_MESSAGE_BYTES
      ) {
        throw new EngineCommandError(
          'ERR_FOLDER_TOO_LARGE',
          `The folder lists too many files for one offer (at most ${MAX_FOLDER_ENTRIES}, with short paths); send it in parts.`,
        );
      }
    }
    const t: Outgoing = {
      peer,
      id,
      path: absolute,
      offer,
      state: 'offered',
      sent: 0,
      acked: 0,
      pumping: false,
      progressAt: 0,
      ended: false,
    };
    this.#outgoing.set(key(peer, id), t);
    this.#o.emit({
      event: 'file-offered',
      peer,
      id,
      name: offeredName,
      size,
      sha256,
      path: absolute,
      ...(listing ? { kind: 'folder' as const, entries: listing.entries.length } : {}),
      ...(listing?.skipped ? { skipped: listing.skipped } : {}),
    });
    link.send(offer);
  }

  /**
   * Accepts an offer: checks the space, creates the temporary file, asks for the data.
   * @throws {EngineCommandError} `ERR_NO_SUCH_FILE`, `ERR_NO_SUCH_PEER`; {@link FileDiskError}
   *   (the offer stays open: the user may pick another folder).
   */
  async accept(peer: PeerId, id: string, dir: string | undefined): Promise<void> {
    const t = this.#incoming.get(key(peer, id));
    if (t?.state !== 'offered') throw noSuchFile();
    const link = this.#linkOrThrow(peer);
    const folder = resolve(dir ?? this.#o.downloadsDir);
    const free = await this.#o.disk.freeBytes(folder);
    if (free !== undefined && free < t.offer.size) {
      throw new FileDiskError(
        'disk-full',
        `Not enough space in ${folder}: the file needs ${t.offer.size} bytes, ${free} are free.`,
      );
    }
    if (t.state !== 'offered' || t.ended) throw noSuchFile(); // cancelled meanwhile
    t.state = 'receiving';
    t.dir = folder;
    try {
      t.part = t.entries
        ? await this.#o.disk.createFolderPart(folder, id, t.entries)
        : await this.#o.disk.createPart(folder, id);
    } catch (error) {
      t.state = 'offered';
      throw error;
    }
    if (t.ended) {
      await t.part.remove();
      return;
    }
    this.#progress(t.peer, t, 0, true);
    if (t.offer.size === 0) {
      void this.#finish(t);
      return;
    }
    link.send({ t: 'file-accept', id, offset: 0 });
  }

  /** Declines an offer. @throws {EngineCommandError} `ERR_NO_SUCH_FILE`. */
  decline(peer: PeerId, id: string): void {
    const t = this.#incoming.get(key(peer, id));
    if (t?.state !== 'offered') throw noSuchFile();
    this.#o.link(peer)?.send({ t: 'file-decline', id });
    this.#endIncoming(t, 'declined', 'You declined the file.', false);
  }

  /**
   * Cancels a transfer in either direction, or a file of ours still being read before its
   * offer (after `file-preparing`): each ends with `file-failed` `cancelled`.
   * @throws {EngineCommandError} `ERR_NO_SUCH_FILE`.
   */
  cancel(peer: PeerId, id: string): void {
    const hashing = this.#hashing.get(key(peer, id));
    if (hashing) {
      this.#hashing.delete(key(peer, id));
      hashing.abort();
      this.#o.emit({
        event: 'file-failed',
        peer,
        id,
        reason: 'cancelled',
        message: 'You cancelled the transfer.',
      });
      return;
    }
    const out = this.#outgoing.get(key(peer, id));
    if (out) {
      this.#o.link(peer)?.send({ t: 'file-cancel', id, reason: 'cancelled' });
      this.#endOutgoing(out, 'cancelled', 'You cancelled the transfer.');
      return;
    }
    const t = this.#incoming.get(key(peer, id));
    if (!t) throw noSuchFile();
    this.#o.link(peer)?.send({ t: 'file-cancel', id, reason: 'cancelled' });
    this.#endIncoming(t, 'cancelled', 'You cancelled the transfer.', false);
  }

  // ---- the peer's session --------------------------------------------------------------------

  /** The session with `peer` became active (again): offer unfinished files once more. */
  resume(peer: PeerId): void {
    const link = this.#o.link(peer);
    if (!link) return;
    for (const t of this.#outgoing.values()) {
      if (t.peer !== peer) continue;
      // The receiver says where to continue (what it has written), in its file-accept.
      t.state = 'offered';
      t.sent = t.acked;
      link.send(t.offer);
    }
  }

  /** A file message from the peer. */
  onMessage(peer: PeerId, message: FileMessage): void {
    switch (message.t) {
      case 'file-offer': {
        this.#onOffer(peer, message);
        return;
      }
      case 'file-accept': {
        const t = this.#outgoing.get(key(peer, message.id));
        if (!t) return;
        if (message.offset > t.offer.size || message.offset < t.acked) {
          this.#breach(t, 'the accepted offset is outside the file');
          return;
        }
        t.state = 'sending';
        t.sent = message.offset;
        t.acked = message.offset;
        void this.#pump(t);
        return;
      }
      case 'file-ack': {
        const t = this.#outgoing.get(key(peer, message.id));
        if (t?.state !== 'sending') return;
        if (message.bytes > t.sent || message.bytes < t.acked) {
          this.#breach(t, 'an acknowledgement outside what was sent');
          return;
        }
        t.acked = message.bytes;
        this.#progress(peer, t, t.acked, t.acked === t.offer.size);
        void this.#pump(t);
        return;
      }
      case 'file-received': {
        const t = this.#outgoing.get(key(peer, message.id));
        if (!t) return;
        if (t.state !== 'sending' || t.sent !== t.offer.size) {
          this.#breach(t, 'a receipt before all data');
          return;
        }
        t.acked = t.offer.size;
        this.#progress(peer, t, t.acked, true);
        t.ended = true;
        this.#outgoing.delete(key(peer, t.id));
        void t.source?.close();
        this.#o.emit({ event: 'file-done', peer, id: t.id, path: t.path, sha256: t.offer.sha256 });
        return;
      }
      case 'file-decline': {
        const t = this.#outgoing.get(key(peer, message.id));
        if (t) this.#endOutgoing(t, 'declined', MESSAGES.declined);
        return;
      }
      case 'file-cancel': {
        const reason = REASONS[message.reason] ?? 'cancelled';
        const text = reason === 'cancelled' ? 'The peer cancelled the transfer.' : MESSAGES[reason];
        const out = this.#outgoing.get(key(peer, message.id));
        if (out) {
          this.#endOutgoing(out, reason, text);
          return;
        }
        const t = this.#incoming.get(key(peer, message.id));
        if (t) this.#endIncoming(t, reason, text, false);
        return;
      }
    }
  }

  /** A chunk from the peer. */
  onChunk(peer: PeerId, chunk: FileChunk): void {
    const t = this.#incoming.get(key(peer, chunk.id));
    // Not accepted (or over): dropped, never written. Late chunks after a cancel land here too.
    if (t?.state !== 'receiving' || t.ended || !t.part) return;
    const size = chunk.data.length;
    if (chunk.offset !== t.received) {
      this.#refuse(t, 'protocol', `a chunk at ${chunk.offset}, expected ${t.received}`);
      return;
    }
    if (t.received + size > t.offer.size) {
      this.#refuse(t, 'size-mismatch', 'more data than the offered size');
      return;
    }
    if (size < MIN_CHUNK_BYTES && t.received + size !== t.offer.size) {
      this.#refuse(t, 'protocol', `a chunk of ${size} bytes before the end`);
      return;
    }
    if (t.received + size - t.ackSent > FILE_WINDOW_BYTES + MAX_CHUNK_BYTES) {
      this.#refuse(t, 'protocol', 'more data than the flow-control window allows');
      return;
    }
    t.received += size;
    // Copied (the channel may reuse its buffer) into the batch the next disk write takes.
    if (t.batch && t.batchLength + size > t.batch.length) this.#flushBatch(t);
    if (!t.batch) {
      t.batch =
        t.spare ?? new Uint8Array(Math.min(WRITE_BATCH_BYTES, t.offer.size - t.received + size));
      t.spare = undefined;
    }
    t.batch.set(chunk.data, t.batchLength);
    t.batchLength += size;
    if (t.received === t.offer.size || t.batchLength + MAX_CHUNK_BYTES > t.batch.length) {
      this.#flushBatch(t);
    }
  }

  /** Queues the batch of received data for the disk (and the hash), then acknowledges it. */
  #flushBatch(t: Incoming): void {
    const part = t.part;
    if (!t.batch || t.batchLength === 0 || !part) return;
    const buffer = t.batch;
    const data = buffer.subarray(0, t.batchLength);
    t.batch = undefined;
    t.batchLength = 0;
    t.writes = t.writes.then(async () => {
      if (t.ended) return;
      try {
        await part.append(data);
      } catch (error) {
        this.#diskFailure(t, error);
        return;
      }
      t.written += data.length;
      if (buffer.length === WRITE_BATCH_BYTES) t.spare = buffer;
      const complete = t.written === t.offer.size;
      if (!complete && t.written - t.ackSent >= FILE_ACK_EVERY_BYTES) {
        t.ackSent = t.written;
        this.#o.link(t.peer)?.send({ t: 'file-ack', id: t.id, bytes: t.written });
      }
      this.#progress(t.peer, t, t.written, complete);
      if (complete) await this.#finish(t);
    });
  }

  /** Ends everything (the node closes): temporary files are removed. */
  async closeAll(): Promise<void> {
    for (const hashing of this.#hashing.values()) hashing.abort();
    this.#hashing.clear();
    for (const t of this.#outgoing.values()) {
      t.ended = true;
      await t.source?.close();
    }
    this.#outgoing.clear();
    const incoming = [...this.#incoming.values()];
    this.#incoming.clear();
    for (const t of incoming) {
      t.ended = true;
      await t.writes;
      await t.part?.remove();
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  #onOffer(peer: PeerId, offer: FileOfferMessage): void {
    const k = key(peer, offer.id);
    const link = this.#o.link(peer);
    if (this.#done.has(k)) {
      // We kept it, but our receipt was lost in a cut.
      link?.send({ t: 'file-received', id: offer.id });
      return;
    }
    const known = this.#incoming.get(k);
    if (known) {
      if (known.offer.size !== offer.size || known.offer.sha256 !== offer.sha256) {
        link?.send({ t: 'file-cancel', id: offer.id, reason: 'protocol' });
        this.#endIncoming(known, 'protocol', 'The peer changed a file it had offered.', false);
        return;
      }
      if (known.state !== 'receiving') return; // still waiting for the user
      // Resume after a cut: continue after what we wrote (and hashed). What came before the
      // cut, in order, is written first.
      this.#flushBatch(known);
      void known.writes.then(() => {
        if (known.ended) return;
        known.received = known.written;
        known.ackSent = known.written;
        this.#o.link(peer)?.send({ t: 'file-accept', id: known.id, offset: known.written });
      });
      return;
    }
    let waiting = 0;
    for (const t of this.#incoming.values())
      if (t.peer === peer && t.state === 'offered') waiting++;
    if (waiting >= MAX_PENDING_OFFERS) {
      link?.send({ t: 'file-cancel', id: offer.id, reason: 'busy' });
      if (waiting === MAX_PENDING_OFFERS)
        this.#o.log(`refused a file offer: ${waiting} already wait`);
      return;
    }
    let entries: SafeEntry[] | undefined;
    if (offer.kind === 'folder' || offer.entries !== undefined) {
      try {
        if (offer.kind !== 'folder' || !offer.entries) {
          throw new FolderManifestError('"kind" and "entries" go together');
        }
        if (link?.folders?.() !== true) {
          throw new FolderManifestError('a folder from a peer without the folder capability');
        }
        entries = safeEntries(offer.entries, offer.size);
      } catch (error) {
        if (!(error instanceof FolderManifestError)) throw error;
        this.#o.log(`refused a folder offer: ${error.message}`);
        link?.send({ t: 'file-cancel', id: offer.id, reason: 'protocol' });
        return;
      }
    }
    const name = sanitizeFileName(offer.name);
    const t: Incoming = {
      peer,
      id: offer.id,
      offer,
      name,
      ...(entries ? { entries } : {}),
      state: 'offered',
      received: 0,
      written: 0,
      ackSent: 0,
      batchLength: 0,
      writes: Promise.resolve(),
      progressAt: 0,
      ended: false,
    };
    this.#incoming.set(k, t);
    this.#o.emit({
      event: 'file-offer',
      peer,
      id: offer.id,
      name,
      size: offer.size,
      sha256: offer.sha256,
      type: offer.type,
      ...(entries ? { kind: 'folder' as const, entries: entries.length } : {}),
    });
  }

  async #finish(t: Incoming): Promise<void> {
    const part = t.part!;
    const digest = part.digest();
    if (digest !== t.offer.sha256) {
      this.#o.link(t.peer)?.send({ t: 'file-cancel', id: t.id, reason: 'hash-mismatch' });
      this.#endIncoming(t, 'hash-mismatch', MESSAGES['hash-mismatch'], false);
      return;
    }
    let path: string;
    try {
      path = await this.#o.disk.publish(part, t.dir!, t.name);
    } catch (error) {
      this.#diskFailure(t, error);
      return;
    }
    t.ended = true;
    this.#incoming.delete(key(t.peer, t.id));
    this.#remember(key(t.peer, t.id));
    this.#o.link(t.peer)?.send({ t: 'file-received', id: t.id });
    this.#o.emit({ event: 'file-done', peer: t.peer, id: t.id, path, sha256: digest });
  }

  #remember(k: string): void {
    this.#done.add(k);
    if (this.#done.size > MAX_REMEMBERED_DONE) {
      this.#done.delete(this.#done.values().next().value as string);
    }
  }

  async #pump(t: Outgoing): Promise<void> {
    if (t.pumping) return;
    t.pumping = true;
    try {
      while (!t.ended && t.state === 'sending' && t.sent < t.offer.size) {
        if (t.sent - t.acked >= FILE_WINDOW_BYTES) return; // the next file-ack goes on
        const link = this.#o.link(t.peer);
        if (!link) return; // resumed by the next session
        let block = t.block;
        if (!block || block.next >= block.messages.length || at(block) !== t.sent) {
          if (block) {
            // Every message of it went to the channel, which copied them: its buffer is free.
            t.block = undefined;
            if (block.buffer.length === blockBytes(t.id)) t.spare = block;
          }
          const wanted = t.sent;
          const read = await this.#read(t, wanted);
          if (read === undefined || t.ended || t.state !== 'sending') return;
          if (this.#o.link(t.peer) !== link) return;
          if (t.sent !== wanted) continue; // resumed elsewhere meanwhile
          block = read;
          t.block = block;
        }
        const message = block.messages[block.next]!;
        block.next += 1;
        t.sent = Math.min(t.sent + MAX_CHUNK_BYTES, t.offer.size);
        if (!link.sendChunk(message)) {
          link.whenDrained(() => void this.#pump(t));
          return;
        }
      }
    } finally {
      t.pumping = false;
    }
  }

  /**
   * The block of chunks starting at `offset` (read ahead if it was asked for before), and the
   * read of the next one started. Undefined when the read failed (the transfer is ended).
   */
  async #read(t: Outgoing, offset: number): Promise<Block | undefined> {
    try {
      t.source ??= t.offer.entries
        ? await this.#o.disk.openFolderSource(t.path, t.offer.entries)
        : await this.#o.disk.openSource(t.path);
      const ahead = t.ahead;
      t.ahead = undefined;
      const block = await (ahead?.offset === offset ? ahead.read : this.#readBlock(t, offset));
      const following = offset + READ_BLOCK_BYTES;
      if (!t.ended && following < t.offer.size) {
        const read = this.#readBlock(t, following);
        read.catch(() => {}); // reported when (if) it is used
        t.ahead = { offset: following, read };
      }
      return block;
    } catch (error) {
      this.#o.log(`reading ${t.path} failed: ${(error as Error).message}`);
      if (!t.ended) {
        this.#o.link(t.peer)?.send({ t: 'file-cancel', id: t.id, reason: 'read-error' });
        this.#endOutgoing(t, 'read-error', MESSAGES['read-error']);
      }
      return undefined;
    }
  }

  /** Reads one block from the disk straight behind the headers of its chunks. */
  async #readBlock(t: Outgoing, offset: number): Promise<Block> {
    const want = Math.min(READ_BLOCK_BYTES, t.offer.size - offset);
    const header = chunkHeaderBytes(t.id);
    const count = Math.ceil(want / MAX_CHUNK_BYTES);
    const size = count * header + want;
    let block = t.spare;
    t.spare = undefined; // taken: no other read may fill it
    if (block?.buffer.length !== size) {
      const buffer = new Uint8Array(size);
      const targets: Uint8Array[] = [];
      const messages: Uint8Array[] = [];
      for (let i = 0; i < count; i += 1) {
        const start = i * (header + MAX_CHUNK_BYTES);
        const length = Math.min(MAX_CHUNK_BYTES, want - i * MAX_CHUNK_BYTES);
        targets.push(buffer.subarray(start + header, start + header + length));
        messages.push(buffer.subarray(start, start + header + length));
      }
      block = { offset, buffer, messages, targets, next: 0 };
    }
    // A reused block keeps its layout (same size): only the offsets in the headers change.
    for (let i = 0; i < count; i += 1) {
      const start = i * (header + MAX_CHUNK_BYTES);
      writeChunkHeader(block.buffer, start, t.id, offset + i * MAX_CHUNK_BYTES);
    }
    block.offset = offset;
    block.next = 0;
    const read = await t.source!.readInto(offset, block.targets);
    if (read !== want) throw new Error('the file is shorter than offered');
    return block;
  }

  /**
   * The progress callback for hashing a file to send: emits `file-preparing` once hashing has
   * run {@link FileTransfersOptions.preparingDelayMs}, then at most every
   * {@link FILE_PROGRESS_INTERVAL_MS} (as `file-progress`).
   */
  #preparing(peer: PeerId, id: string, name: string, path: string, cancelled: AbortSignal) {
    const start = this.#o.clock();
    const delay = this.#o.preparingDelayMs ?? FILE_PREPARING_DELAY_MS;
    let progressAt: number | undefined;
    return (bytes: number, size: number): void => {
      // A read that was under way when the transfer was cancelled reports nothing after its
      // `file-failed`.
      if (cancelled.aborted) return;
      const now = this.#o.clock();
      if (now - start < delay) return;
      if (progressAt !== undefined && now - progressAt < FILE_PROGRESS_INTERVAL_MS) return;
      progressAt = now;
      this.#o.emit({ event: 'file-preparing', peer, id, name, path, bytes, size });
    };
  }

  #progress(peer: PeerId, t: Outgoing | Incoming, bytes: number, force: boolean): void {
    const now = this.#o.clock();
    if (!force && now - t.progressAt < FILE_PROGRESS_INTERVAL_MS) return;
    t.progressAt = now;
    this.#o.emit({ event: 'file-progress', peer, id: t.id, bytes, size: t.offer.size });
  }

  /** The sender broke the rules: stop the transfer and say so to both sides. */
  #refuse(t: Incoming, reason: FileFailure, detail: string): void {
    this.#o.log(`file ${t.id} from a peer refused: ${detail}`);
    this.#o.link(t.peer)?.send({ t: 'file-cancel', id: t.id, reason });
    this.#endIncoming(t, reason, MESSAGES[reason], false);
  }

  /** The receiver broke the rules (on our outgoing transfer). */
  #breach(t: Outgoing, detail: string): void {
    this.#o.log(`file ${t.id} to a peer stopped: ${detail}`);
    this.#o.link(t.peer)?.send({ t: 'file-cancel', id: t.id, reason: 'protocol' });
    this.#endOutgoing(t, 'protocol', 'The peer broke the file-transfer rules.');
  }

  #diskFailure(t: Incoming, error: unknown): void {
    if (t.ended) return;
    const problem = error instanceof FileDiskError ? error.problem : 'io-error';
    const reason: FileFailure =
      problem === 'disk-full' ? 'disk-full' : problem === 'permission' ? 'permission' : 'io-error';
    const message = error instanceof FileDiskError ? error.message : MESSAGES['io-error'];
    this.#o.link(t.peer)?.send({ t: 'file-cancel', id: t.id, reason: 'cancelled' });
    this.#endIncoming(t, reason, message, false);
  }

  #endOutgoing(t: Outgoing, reason: FileFailure, message: string): void {
    if (t.ended) return;
    t.ended = true;
    this.#outgoing.delete(key(t.peer, t.id));
    void t.source?.close();
    this.#o.emit({ event: 'file-failed', peer: t.peer, id: t.id, reason, message });
  }

  #endIncoming(t: Incoming, reason: FileFailure, message: string, quiet: boolean): void {
    if (t.ended) return;
    t.ended = true;
    this.#incoming.delete(key(t.peer, t.id));
    const part = t.part;
    const report = () => {
      if (!quiet) this.#o.emit({ event: 'file-failed', peer: t.peer, id: t.id, reason, message });
    };
    // After the writes already queued, and reported only then: nothing is left under any name.
    if (part) t.writes = t.writes.then(() => part.remove()).then(report);
    else report();
  }

  #linkOrThrow(peer: PeerId): FileLink {
    const link = this.#o.link(peer);
    if (!link) {
      throw new EngineCommandError(
        'ERR_FILE_UNSUPPORTED',
        'Files can be sent only while connected to a peer whose client supports file transfer.',
      );
    }
    return link;
  }
}

/** The buffer size of a whole block of transfer `id` (all but a file's last block). */
function blockBytes(id: string): number {
  return (READ_BLOCK_BYTES / MAX_CHUNK_BYTES) * chunkHeaderBytes(id) + READ_BLOCK_BYTES;
}

/** Where the next chunk of `block` starts in the file. */
function at(block: Block): number {
  return block.offset + block.next * MAX_CHUNK_BYTES;
}

function noSuchFile(): EngineCommandError {
  return new EngineCommandError(
    'ERR_NO_SUCH_FILE',
    'There is no such file transfer. Use the id shown with the offer.',
  );
}
