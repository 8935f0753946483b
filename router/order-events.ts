import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { ensureStream } from '../platform/nats';
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

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly log: Logger,
  ) {}

  get ready(): boolean {
    return this.consumerReady && !this.stopped;
  }

  async start(): Promise<void> {
    await ensureStream(this.jsm, 'ordering');
    const consumer = await this.js.consumers.get(ORDERING_STREAM, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    this.close = () => messages.close().then(() => undefined);
    this.consumerReady = true;
    this.running = (async () => {
      for await (const m of messages) {
        let change: OrderChange | undefined;
        try {
          change = toOrderChange(m.subject, m.seq, m.string());
        } catch (e) {
          this.log.warn({ err: e, subject: m.subject, seq: m.seq }, 'unreadable ordering event skipped');
          continue;
        }
        if (!change) continue;
        this.log.debug({ orderId: change.orderId, status: change.status, seq: change.seq, listeners: this.listeners.size }, 'order change');
        for (const l of this.listeners) l(change);
      }
    })().catch((e) => {
      this.consumerReady = false;
      if (!this.stopped) this.log.error({ err: e }, 'order event consumer stopped');
    });
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
    await this.close?.().catch(() => undefined);
    await this.running;
    this.listeners.clear();
  }
}
