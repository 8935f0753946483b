import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { ensureStream, type StreamSettings } from '../platform/nats';
import { parseEvent } from '../platform/events';
import type { Logger } from '../platform/logger';
import { OrderPlaced, OrderStatusChanged } from '../subgraphs/ordering/contracts';

/** One status change of an order, as the router pushes it (the OrderStatusChange type of the API). */
export interface OrderChange {
  /** The event's sequence in ordering's stream: the resume cursor. */
  seq: number;
  cursor: string;
  orderId: string;
  customerId: string;
  storeId?: string;
  status: string;
  previousStatus: string | null;
  version: number;
  occurredAt: string;
}

export const ORDERING_STREAM = 'ORDERING';

/** An ordering event as an OrderChange; undefined for events that are not status changes. */
export function toOrderChange(subject: string, seq: number, raw: string): OrderChange | undefined {
  if (subject === OrderPlaced.subject) {
    const e = parseEvent(OrderPlaced, raw);
    const d = e.data;
    return { seq, cursor: String(seq), orderId: d.orderId, customerId: d.customerId, storeId: d.storeId, status: d.status, previousStatus: 'PENDING', version: d.version, occurredAt: e.occurredAt };
  }
  if (subject === OrderStatusChanged.subject) {
    const e = parseEvent(OrderStatusChanged, raw);
    const d = e.data;
    return { seq, cursor: String(seq), orderId: d.orderId, customerId: d.customerId, storeId: d.storeId, status: d.status, previousStatus: d.previousStatus, version: d.version, occurredAt: e.occurredAt };
  }
  return undefined;
}

type Listener = (c: OrderChange) => void;

/**
 * This router replica's view of ordering's events: one ephemeral ordered consumer (not a
 * shared durable one), so every replica sees every event and fans it out to its own
 * subscribers. `replay` reads the stream from a cursor for clients that resume.
 */
export class OrderEventHub {
  private readonly listeners = new Set<Listener>();
  private stopped = false;
  private running?: Promise<void>;
  private consumerReady = false;
  private close?: () => Promise<void>;
  private recovering?: Promise<void>;
  /** The highest stream sequence seen: a stream that ends before it is a new stream. */
  private lastSeq = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
    private readonly streams: StreamSettings = { replicas: 1 },
  ) {}

  get ready(): boolean {
    return this.consumerReady && !this.stopped;
  }

  async start(): Promise<void> {
    await this.consume(DeliverPolicy.New);
  }

  private async consume(from: DeliverPolicy): Promise<void> {
    await ensureStream(this.jsm, 'ordering', this.streams, this.log);
    const consumer = await this.js.consumers.get(ORDERING_STREAM, { deliver_policy: from });
    const messages = await consumer.consume();
    this.close = () => messages.close().then(() => undefined);
    this.consumerReady = true;
    // A wiped server: the ordered consumer would resume at its old sequence on the new stream
    // and miss everything before it. Start over on the new stream instead.
    void (async () => {
      for await (const s of messages.status()) {
        if ((s.type === 'stream_not_found' || s.type === 'consumer_not_found') && (await this.streamWasReset())) {
          void this.recover();
          return;
        }
      }
    })().catch(() => undefined);
    this.running = (async () => {
      for await (const m of messages) {
        let change: OrderChange | undefined;
        try {
          change = toOrderChange(m.subject, m.seq, m.string());
        } catch (e) {
          this.log.warn({ err: e, subject: m.subject, seq: m.seq }, 'unreadable ordering event skipped');
          continue;
        }
        this.lastSeq = Math.max(this.lastSeq, m.seq);
        if (!change) continue;
        this.log.debug({ orderId: change.orderId, status: change.status, seq: change.seq, listeners: this.listeners.size }, 'order change');
        for (const l of this.listeners) l(change);
      }
    })().catch((e) => {
      this.consumerReady = false;
      if (!this.stopped) this.log.error({ err: e }, 'order event consumer stopped');
    });
  }

  /** True when ordering's stream is missing or holds fewer messages than we saw (it was recreated). */
  private async streamWasReset(): Promise<boolean> {
    try {
      return (await this.jsm.streams.info(ORDERING_STREAM)).state.last_seq < this.lastSeq;
    } catch (e) {
      return /stream not found/i.test((e as Error).message);
    }
  }

  /** Ordering's stream is gone (the server lost its store): recreate it and read the new one from its start. */
  private recover(): Promise<void> {
    return (this.recovering ??= (async () => {
      this.consumerReady = false;
      this.log.warn({ stream: ORDERING_STREAM }, 'ordering stream missing; reading it again from its start once it exists');
      await this.close?.().catch(() => undefined);
      await this.running;
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          this.lastSeq = 0;
          await this.consume(DeliverPolicy.All);
          this.log.info({ stream: ORDERING_STREAM, attempt }, 'order events flow again');
          return;
        } catch (e) {
          const delay = Math.min(10_000, 250 * 2 ** attempt);
          this.log.warn({ err: (e as Error).message, attempt, retryInMs: delay }, 'could not read ordering events; will retry');
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })().finally(() => (this.recovering = undefined)));
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** The changes after `afterSeq` up to the stream's end as of now, oldest first. */
  async replay(afterSeq: number): Promise<OrderChange[]> {
    const info = await this.jsm.streams.info(ORDERING_STREAM);
    const last = info.state.last_seq;
    if (last <= afterSeq) return [];
    const consumer = await this.js.consumers.get(ORDERING_STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(afterSeq + 1, info.state.first_seq) });
    const messages = await consumer.consume();
    const out: OrderChange[] = [];
    try {
      for await (const m of messages) {
        try {
          const c = toOrderChange(m.subject, m.seq, m.string());
          if (c) out.push(c);
        } catch {
          // unreadable: the live path logs it
        }
        if (m.seq >= last) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.recovering;
    await this.close?.().catch(() => undefined);
    await this.running;
    this.listeners.clear();
  }
}
