import { jetstream, jetstreamManager, type ConsumerInfo, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/** A message as the stream stores it. */
export interface StreamMessage {
  seq: number;
  subject: string;
  /** The Nats-Msg-Id header the publisher set (the outbox relay sets the event id). */
  msgId: string | undefined;
  /** The W3C trace context header the outbox relay sets for a traced event. */
  traceparent: string | undefined;
  raw: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: any;
}

export interface TestJetStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Every message the stream holds, in order, optionally only those on `subject`. */
  messages(stream: string, subject?: string): Promise<StreamMessage[]>;
  /** The durable consumer's state on the server (pending, ack pending, floors). */
  consumer(stream: string, durable: string): Promise<ConsumerInfo>;
  close(): Promise<void>;
}

/** A client of a test's own nats-server, for reading streams and publishing as a test. */
export async function openJetStream(url: string): Promise<TestJetStream> {
  const nc = await connect({ servers: url, name: 'ordergraph-test' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  return {
    nc,
    js,
    jsm,
    async messages(stream, subject) {
      const { state } = await jsm.streams.info(stream);
      const out: StreamMessage[] = [];
      if (state.messages === 0) return out;
      // Streams in tests hold tens of messages: read them one by one by sequence.
      for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(stream, { seq });
        if (!m || (subject && m.subject !== subject)) continue;
        const raw = m.string();
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        out.push({ seq: m.seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id') || undefined, traceparent: m.header?.get('traceparent') || undefined, raw, body });
      }
      return out;
    },
    consumer: (stream, durable) => jsm.consumers.info(stream, durable),
    close: () => nc.close(),
  };
}

/** True when a durable consumer has nothing left to deliver and nothing awaiting an ack or a redelivery. */
export const consumerSettled = (info: ConsumerInfo) => info.num_pending === 0 && info.num_ack_pending === 0;
