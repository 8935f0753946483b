import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { streamName, streamSubjects } from './events';
import type { Logger } from './logger';

/** A NATS connection and whether it is connected right now (reconnects flip it back and forth). */
export interface NatsLink {
  nc: NatsConnection;
  /** False between a `disconnect` and the next `reconnect`, and once the connection is closed or draining. */
  connected(): boolean;
}

/** Back-off between connection attempts at start-up: 250 ms doubling to `maxMs`, ±20 % jitter. */
const connectBackoffMs = (attempt: number, maxMs: number) => Math.min(maxMs, 250 * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4);

/**
 * Connects to NATS, trying again with back-off (250 ms doubling to `maxBackoffMs`, logged
 * with the URL) until the server answers, so a process may start before its broker. Once
 * connected, the client reconnects on its own forever (`maxReconnectAttempts: -1`).
 * Throws only when `signal` aborts (the process was asked to stop while waiting).
 */
export async function connectNats(
  url: string,
  name: string,
  log: Logger,
  opts: { signal?: AbortSignal; maxBackoffMs?: number; onAttempt?: (attempt: number, error: string) => void } = {},
): Promise<NatsLink> {
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new Error(`Stopped while waiting for NATS at ${url}`);
    try {
      const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
      if (attempt > 1) log.info({ natsUrl: url, attempt }, 'NATS connected');
      return watchConnection(nc, log);
    } catch (e) {
      const delay = Math.round(connectBackoffMs(attempt, opts.maxBackoffMs ?? 10_000));
      const error = (e as Error).message;
      opts.onAttempt?.(attempt, error);
      log.warn({ natsUrl: url, attempt, retryInMs: delay, err: error }, `Cannot connect to NATS at ${url}; retrying (start nats-server with JetStream (-js) or set NATS_URL)`);
      await abortableDelay(delay, opts.signal);
    }
  }
}

function watchConnection(nc: NatsConnection, log: Logger): NatsLink {
  let up = true;
  (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') up = false;
      if (s.type === 'reconnect') up = true;
      if (s.type === 'disconnect' || s.type === 'reconnect') log.warn({ nats: s.type }, `NATS ${s.type}`);
    }
  })().catch(() => undefined);
  return { nc, connected: () => up && !nc.isClosed() && !nc.isDraining() };
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How streams are created. `replicas`: NATS_STREAM_REPLICAS (1 on one server; 3 on a 3-node JetStream cluster). */
export interface StreamSettings {
  replicas: number;
  /**
   * The limits every stream gets (platform/config.ts, NATS_STREAM_*). Given by the contexts:
   * then an existing stream is brought to them too. Left out (the router, tools): a stream
   * created here gets DEFAULT_STREAM_LIMITS and an existing one is left as it is.
   */
  limits?: StreamLimits;
}

export interface StreamLimits {
  /** Oldest message an event stream keeps, in ms; 0: no age limit. */
  maxAgeMs: number;
  /** Size cap per stream in bytes; -1: none. */
  maxBytes: number;
  /** JetStream's msgID de-duplication window, in ms. */
  duplicateWindowMs: number;
  /** Contexts whose stream holds reference facts (catalog's products): no age limit, and when full it refuses new messages rather than dropping facts. */
  factStreams: readonly string[];
}

/** The defaults of platform/config.ts: 7 days of events, a 2-minute duplicate window, catalog's facts kept. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxAgeMs: 168 * 3_600_000, maxBytes: -1, duplicateWindowMs: 120_000, factStreams: ['catalog'] };

/** The stream limits from a context's settings (platform/config.ts eventEnvShape). */
export const streamLimitsOf = (c: { NATS_STREAM_MAX_AGE_HOURS: number; NATS_STREAM_MAX_BYTES: number; NATS_DUPLICATE_WINDOW_SECONDS: number; NATS_FACT_STREAMS: readonly string[] }): StreamLimits => ({
  maxAgeMs: Math.round(c.NATS_STREAM_MAX_AGE_HOURS * 3_600_000),
  maxBytes: c.NATS_STREAM_MAX_BYTES,
  duplicateWindowMs: c.NATS_DUPLICATE_WINDOW_SECONDS * 1000,
  factStreams: c.NATS_FACT_STREAMS,
});

const NS_PER_MS = 1_000_000;

/**
 * A context's stream configuration under `limits`: an event stream drops messages older than
 * `maxAgeMs` (and its oldest when over `maxBytes`); a fact stream keeps every message and
 * refuses new ones when over `maxBytes` (the relay retries them and its backlog alert fires).
 */
export function streamLimitConfig(context: string, limits: StreamLimits) {
  const fact = limits.factStreams.includes(context);
  return {
    max_age: fact ? 0 : limits.maxAgeMs * NS_PER_MS,
    max_bytes: limits.maxBytes,
    discard: fact ? DiscardPolicy.New : DiscardPolicy.Old,
    // The window cannot be longer than the age limit (JetStream refuses it).
    duplicate_window: (fact || limits.maxAgeMs === 0 ? limits.duplicateWindowMs : Math.min(limits.duplicateWindowMs, limits.maxAgeMs)) * NS_PER_MS,
  };
}

/**
 * Makes sure the producing context's stream exists. Producers and consumers both call
 * it with the same settings, so either may start first (a consumer that starts
 * before its producer still gets every event), and either recreates it when the
 * server lost it (a JetStream store wiped or lost: see "Self-healing" in the README).
 * A stream that exists with another replica count is scaled to `replicas` (clustered
 * JetStream does that in place), and given `settings.limits` when they differ from its
 * own; a refusal is logged, not fatal.
 */
export async function ensureStream(jsm: JetStreamManager, context: string, settings: StreamSettings = { replicas: 1 }, log?: Logger): Promise<string> {
  const name = streamName(context);
  let info;
  try {
    info = await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: streamSubjects(context),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: settings.replicas,
        ...streamLimitConfig(context, settings.limits ?? DEFAULT_STREAM_LIMITS),
      });
      log?.info({ stream: name, replicas: settings.replicas }, 'stream created');
    } catch (e) {
      // Another process created it between our info and add.
      await jsm.streams.info(name).catch(() => {
        throw e;
      });
    }
    return name;
  }
  if (info.config.num_replicas !== settings.replicas) {
    await jsm.streams.update(name, { num_replicas: settings.replicas }).then(
      () => log?.info({ stream: name, from: info.config.num_replicas, to: settings.replicas }, 'stream replicas changed'),
      (e: Error) => log?.warn({ stream: name, replicas: info.config.num_replicas, wanted: settings.replicas, err: e.message }, 'could not change the stream replicas'),
    );
  }
  if (settings.limits) {
    const want = streamLimitConfig(context, settings.limits);
    const have = { max_age: info.config.max_age, max_bytes: info.config.max_bytes, discard: info.config.discard, duplicate_window: info.config.duplicate_window };
    if ((Object.keys(want) as Array<keyof typeof want>).some((k) => want[k] !== have[k])) {
      await jsm.streams.update(name, want).then(
        () => log?.info({ stream: name, from: have, to: want }, 'stream limits changed'),
        (e: Error) => log?.warn({ stream: name, limits: have, wanted: want, err: e.message }, 'could not change the stream limits'),
      );
    }
  }
  return name;
}

/**
 * True for the errors JetStream gives when a stream or consumer is missing (a wiped or new
 * server). A publish to a subject no stream listens on gets "no responders", which nats.js
 * reports as "jetstream is not enabled".
 */
export function isMissingResource(e: unknown): boolean {
  const text = `${(e as { code?: unknown })?.code ?? ''} ${(e as Error)?.message ?? e}`;
  return /no responders|jetstream is not enabled|503|stream not found|consumer not found|10059|10014/i.test(text);
}

export { jetstreamManager };
