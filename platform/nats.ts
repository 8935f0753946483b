import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { streamName, streamSubjects } from './events';
import type { Logger } from './logger';

export async function connectNats(url: string, name: string, log: Logger): Promise<NatsConnection> {
  try {
    const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 1000 });
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect') log.warn({ nats: s.type }, `NATS ${s.type}`);
      }
    })().catch(() => undefined);
    return nc;
  } catch (e) {
    throw new Error(`Cannot connect to NATS at ${url}: ${(e as Error).message}. Start nats-server with JetStream (-js) or set NATS_URL.`);
  }
}

/**
 * Makes sure the producing context's stream exists. Producers and consumers both call
 * it with the same settings, so either may start first (a consumer that starts
 * before its producer still gets every event).
 */
export async function ensureStream(jsm: JetStreamManager, context: string): Promise<string> {
  const name = streamName(context);
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: streamSubjects(context),
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        // Event history is kept: a context added later replays it (catalog → ordering's product list).
        max_age: 0,
        duplicate_window: 2 * 60 * 1_000_000_000,
      });
    } catch (e) {
      // Another process created it between our info and add.
      await jsm.streams.info(name).catch(() => {
        throw e;
      });
    }
  }
  return name;
}

export { jetstreamManager };
