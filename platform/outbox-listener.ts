import pg from 'pg';
import type { Logger } from './logger';

/** The channel the "OutboxEvent_notify" trigger notifies (prisma/platform.later.sql.part, each context's *_outbox_notify migration). */
export const OUTBOX_CHANNEL = 'ordergraph_outbox';

/** What the relay is told by a source of wake-ups besides its own process' commits. */
export interface OutboxWakeHandlers {
  /**
   * A commit wrote outbox rows: `seq` is the highest "seq" one INSERT statement of it wrote
   * (undefined when the payload held none). Called once per INSERT statement, after its COMMIT.
   */
  onNotify(seq: number | undefined): void;
  /** (Re)connected and listening: notifications may have been missed before this, so read what is due. */
  onListening(): void;
}

/** A source of "rows were committed" wake-ups for the outbox relay (OutboxRelay's `listener` option). */
export interface OutboxWakeSource {
  /** True while notifications arrive (then every commit, whichever process made it, is announced). */
  readonly listening: boolean;
  start(handlers: OutboxWakeHandlers): void;
  /** Closes the connection and ends reconnecting; resolves once it is closed (at most about 2 s). */
  stop(): Promise<void>;
}

/**
 * One dedicated PostgreSQL connection (node-postgres `Client`, outside the context's pool)
 * that LISTENs on {@link OUTBOX_CHANNEL}, so the relay learns of a commit to the outbox about
 * a millisecond after it, from whichever process or connection it came (another replica, a
 * script, psql), not only from its own process. PostgreSQL delivers a notification only after
 * its transaction committed, and none for a rolled-back one. Connections that set
 * `ordergraph.outbox_notify = off` (every context's own pool, platform/database.ts) do not
 * notify: their process wakes its relay itself.
 *
 * When the connection ends (the server restarted, the backend was terminated, the network
 * broke and TCP keep-alive noticed), it reconnects with back-off (250 ms doubling up to
 * `maxBackoffMs`, jittered) and, once listening again, calls `onListening` since notifications
 * were missed meanwhile. Never throws to its caller: failures are logged, and the relay's poll
 * (OUTBOX_POLL_MS) stays the safety net. PostgreSQL server only: the embedded PGlite is one
 * process' database (its commits wake the relay in-process) and SQLite has no notifications.
 */
export class PgOutboxListener implements OutboxWakeSource {
  private client?: pg.Client;
  private handlers?: OutboxWakeHandlers;
  private running?: Promise<void>;
  private stopped = true;
  private wakeSleep?: () => void;
  private connected = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly opts: { channel?: string; maxBackoffMs?: number; applicationName?: string } = {},
  ) {}

  get listening(): boolean {
    return this.connected;
  }

  start(handlers: OutboxWakeHandlers): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.handlers = handlers;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleep?.();
    // Listening: end the connection (the loop waits for that). Connecting: the loop ends it once connect() settles.
    if (this.connected) void this.client?.end().catch(() => undefined);
    this.connected = false;
    // A connect() in hand may take up to its 10 s timeout (a server that does not answer): do not hold a shutdown for it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000).unref()))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const channel = this.opts.channel ?? OUTBOX_CHANNEL;
    let attempt = 0;
    while (!this.stopped) {
      const client = new pg.Client({
        connectionString: this.url,
        keepAlive: true,
        connectionTimeoutMillis: 10_000,
        application_name: this.opts.applicationName ?? 'ordergraph-outbox-listener',
      });
      let lastError: Error | undefined;
      // Without a listener an 'error' event (a terminated backend) would crash the process.
      client.on('error', (e) => (lastError = e));
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      this.client = client;
      try {
        await client.connect();
        client.on('notification', (n) => {
          if (n.channel !== channel) return;
          const seq = n.payload ? Number(n.payload) : NaN;
          this.handlers?.onNotify(Number.isFinite(seq) ? seq : undefined);
        });
        await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
        if (this.stopped) break;
        // From here to `await ended` nothing awaits: stop() sees `connected` and ends the connection.
        this.connected = true;
        if (attempt > 0) this.log.info({ attempts: attempt }, 'outbox listener listening again');
        attempt = 0;
        this.handlers?.onListening();
        await ended;
        this.connected = false;
        if (this.stopped) break;
        this.log.warn({ err: lastError?.message }, 'outbox listener connection ended; reconnecting');
      } catch (e) {
        this.connected = false;
        if (this.stopped) break;
        if (attempt === 0 || attempt % 10 === 0) this.log.warn({ err: (e as Error).message, attempt: attempt + 1 }, 'outbox listener could not connect; retrying (the relay polls meanwhile)');
        await client.end().catch(() => undefined);
      }
      attempt++;
      await this.sleep(Math.min(this.opts.maxBackoffMs ?? 10_000, 250 * 2 ** Math.min(attempt - 1, 16)) * (0.8 + Math.random() * 0.4));
    }
    this.connected = false;
    await this.client?.end().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wakeSleep = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
