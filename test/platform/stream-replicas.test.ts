// NATS_STREAM_REPLICAS (issue 11): validated with the rest of the config, and what ensureStream
// asks the server for. A single nats-server refuses R3, which shows the setting reaches it;
// on a 3-node JetStream cluster the same call creates an R3 stream.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { baseEnvSchema, parseEnv } from '../../platform/config';
import { ensureStream } from '../../platform/nats';
import { loadRouterConfig } from '../../router/config';
import { startNatsServer, type TestNats } from '../support/nats';

let server: TestNats;
let nc: NatsConnection;
let jsm: JetStreamManager;
beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

test('NATS_STREAM_REPLICAS: default 1, 1–5 accepted, anything else refused at start-up (contexts and router)', () => {
  expect(parseEnv(baseEnvSchema, {}).NATS_STREAM_REPLICAS).toBe(1);
  expect(parseEnv(baseEnvSchema, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
  for (const bad of ['0', '6', 'three', '1.5']) {
    expect(() => parseEnv(baseEnvSchema, { NATS_STREAM_REPLICAS: bad })).toThrow(/NATS_STREAM_REPLICAS/);
  }
  expect(loadRouterConfig({ NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
  expect(() => loadRouterConfig({ NATS_STREAM_REPLICAS: '0' })).toThrow(/NATS_STREAM_REPLICAS/);
});

test('ensureStream creates the stream with the replicas asked for', async () => {
  await ensureStream(jsm, 'replicaone', { replicas: 1 });
  expect((await jsm.streams.info('REPLICAONE')).config.num_replicas).toBe(1);
  // One server cannot hold three replicas: the server's refusal proves the setting is sent.
  await expect(ensureStream(jsm, 'replicathree', { replicas: 3 })).rejects.toThrow(/replica/i);
});
