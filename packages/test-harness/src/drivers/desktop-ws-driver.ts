/**
 * Drives the desktop back end in browser mode: spawns
 * `cryptully-desktop --web --port 0 --print-api-token`, reads the printed address and the API
 * token, and speaks the app API over its WebSocket (`/ws`, JSON commands in, JSON events out),
 * exactly as the renderer does. The driver connects with the API token (reusable, for
 * programs), so the printed address's one-time token stays unused for a browser
 * ({@link DesktopWsDriver.url}).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import type { ChatCommand, ChatEvent } from '@cryptully/core/protocol';
import WebSocket from 'ws';
import type { ClientDriver, DriverOptions, EventOf } from './driver.js';
import { EventLog } from './event-log.js';
import { liveChildren } from './ndjson-process-driver.js';
import { repoPath } from './paths.js';

/** The printed address: `http://127.0.0.1:PORT/#token=TOKEN` (the token works once). */
const URL_PATTERN = /http:\/\/127\.0\.0\.1:(\d+)\/#token=[A-Za-z0-9_-]+/;
/** The line `--print-api-token` adds: `api-token=TOKEN`. */
const API_TOKEN_PATTERN = /^api-token=([A-Za-z0-9_-]+)$/;

/** The desktop's own first event (`app-state`), which is not a chat event. */
interface AppStateEvent {
  event: 'app-state';
  state: 'setup' | 'locked' | 'ready';
}

/** See the module comment. */
export class DesktopWsDriver implements ClientDriver {
  readonly kind = 'desktop' as const;
  readonly label: string;
  readonly home: string;
  readonly logs: string[] = [];
  private readonly log = new EventLog(() => this.label);
  private child: ChildProcess | undefined;
  private socket: WebSocket | undefined;
  private exited: Promise<void> = Promise.resolve();
  private appState: string | undefined;
  /**
   * The browser-mode URL with its one-time token, untouched by the driver: for one browser tab
   * driving the real UI (a second use is refused).
   */
  url: string | undefined;

  constructor(private readonly options: DriverOptions) {
    this.label = `desktop:${options.name}`;
    this.home = options.home;
  }

  get events(): readonly ChatEvent[] {
    return this.log.events;
  }

  /**
   * Starts the back end (once) and connects the WebSocket. Completes first-run setup itself
   * unless `setupViaUi` (a browser test then fills in the welcome form).
   */
  async launch(options: { setupViaUi?: boolean } = {}): Promise<void> {
    if (this.alive()) return;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      CRYPTULLY_HOME: this.options.home,
      CRYPTULLY_PASSPHRASE: '',
      CRYPTULLY_NAME: this.options.name,
    };
    Object.assign(env, this.options.env);
    if (this.options.keepAliveMs) env.CRYPTULLY_KEEPALIVE_MS = String(this.options.keepAliveMs);
    if (this.options.idleTimeoutMs) {
      env.CRYPTULLY_IDLE_TIMEOUT_MS = String(this.options.idleTimeoutMs);
    }
    const [command, ...prefix] = [...(this.options.launcher ?? []), process.execPath];
    const child = spawn(
      command!,
      [
        ...prefix,
        repoPath('packages/desktop/dist/bin.js'),
        '--web',
        '--port',
        '0',
        '--print-api-token',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    liveChildren.add(child);
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        this.log.end(`exit code ${code ?? signal}`);
        resolve();
      }),
    );
    createInterface({ input: child.stderr! }).on('line', (line) => this.logs.push(line));
    const found = await new Promise<{ url: RegExpMatchArray; apiToken: string }>(
      (resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `${this.label}: no URL and API token printed within 15 s: ${this.logs.join(' | ')}`,
              ),
            ),
          15_000,
        );
        let url: RegExpMatchArray | undefined;
        createInterface({ input: child.stdout! }).on('line', (line) => {
          url ??= URL_PATTERN.exec(line) ?? undefined;
          const apiToken = API_TOKEN_PATTERN.exec(line.trim())?.[1];
          if (url && apiToken) {
            clearTimeout(timer);
            resolve({ url, apiToken });
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${this.label} exited (${code}): ${this.logs.join(' | ')}`));
        });
      },
    );
    const [url, port] = found.url;
    this.url = url;
    const origin = `http://127.0.0.1:${port}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${found.apiToken}`, {
      origin,
      // Launched elsewhere (another network namespace): its loopback is reached through a pipe.
      ...(this.options.launcher ? { createConnection: () => this.pipeTo(Number(port)) } : {}),
    });
    this.socket = socket;
    socket.on('message', (data) => {
      let event: ChatEvent | AppStateEvent;
      try {
        event = JSON.parse(data.toString()) as ChatEvent | AppStateEvent;
      } catch {
        this.logs.push(`(ws, not JSON) ${data.toString()}`);
        return;
      }
      if (event.event === 'app-state') {
        this.appState = (event as AppStateEvent).state;
        this.logs.push(`app-state ${this.appState}`);
        if (this.appState === 'setup' && !options.setupViaUi) {
          socket.send(JSON.stringify({ cmd: 'setup', name: this.options.name }));
        }
        return;
      }
      // The app's reach settings, sent on connect: not a chat event either.
      if ((event as { event: string }).event === 'settings') {
        this.logs.push(`settings ${data.toString()}`);
        return;
      }
      this.log.push(event as ChatEvent);
    });
    socket.on('close', () => this.log.end('WebSocket closed'));
    socket.on('error', (error) => this.logs.push(`ws error: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    // Generous: first run creates the identity, on a machine shared with other test runs.
    const deadline = Date.now() + 30_000;
    while (this.appState !== 'ready' && !options.setupViaUi) {
      if (Date.now() > deadline || !this.alive()) {
        throw new Error(
          `${this.label}: never became ready (state ${this.appState}); events: ` +
            `${JSON.stringify(this.log.events.slice(-5))}; log: ${this.logs.slice(-5).join(' | ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * A byte pipe to `127.0.0.1:port` as the launcher sees it: a small Node process run by the
   * launcher copies between its stdio and that port.
   */
  private pipeTo(port: number): Duplex {
    const [command, ...prefix] = [...(this.options.launcher ?? []), process.execPath];
    const script =
      "const s=require('node:net').connect(Number(process.argv[1]),'127.0.0.1');" +
      'process.stdin.pipe(s);s.pipe(process.stdout);' +
      "s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(1));";
    const pipe = spawn(command!, [...prefix, '-e', script, String(port)], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    liveChildren.add(pipe);
    pipe.once('exit', () => liveChildren.delete(pipe));
    const stream = Duplex.from({ readable: pipe.stdout!, writable: pipe.stdin! });
    stream.once('close', () => pipe.kill());
    return stream;
  }

  async startHost(): Promise<EventOf<'listening'>> {
    await this.launch();
    const from = this.log.events.length;
    await this.send({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    return this.waitFor<EventOf<'listening'>>((e) => e.event === 'listening', {
      from,
      timeoutMs: 15_000,
      what: 'listening event',
    });
  }

  async startJoin(target: string): Promise<void> {
    await this.launch();
    await this.send({ cmd: 'join', target });
  }

  async send(command: ChatCommand): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      throw new Error(`${this.label}: WebSocket is not open`);
    }
    await new Promise<void>((resolve, reject) =>
      socket.send(JSON.stringify(command), (error) => (error ? reject(error) : resolve())),
    );
  }

  waitFor<E extends ChatEvent = ChatEvent>(
    predicate: (event: ChatEvent) => boolean,
    options?: { timeoutMs?: number; from?: number; what?: string },
  ): Promise<E> {
    return this.log.waitFor<E>(predicate, options);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  alive(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async stop(): Promise<void> {
    this.socket?.close();
    const child = this.child;
    if (!child || !this.alive()) return;
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 4_000);
    await this.exited;
    clearTimeout(hard);
  }
}
