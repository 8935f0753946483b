// Notification's generic intake, `POST /internal/messages`: any context may ask for a text to a
// customer (rewards does, for missions and gifts). The message goes through the same sender
// as every other (here log and a stand-in Telegram Bot API); MessageSent carries the caller's
// correlation id. Real PostgreSQL (none: notification is SQLite) and nats-server.
import { parseEvent } from '../../platform/events';
import { as } from '../../test/support/auth';
import { baseUrlOf, postInternal } from '../../test/support/component';
import { startFakeHttpServer, type FakeHttpServer } from '../../test/support/fake-http';
import { waitFor } from '../../test/support/ports';
import { outboxOf } from '../../test/support/saga';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { MessageSent } from './contracts';
import type { NotificationDb } from './db';

let stack: Stack;
let db: NotificationDb;
let telegram: FakeHttpServer;
const base = () => baseUrlOf(stack.services.notification!.url);

beforeAll(async () => {
  telegram = await startFakeHttpServer(() => ({ status: 200, body: { ok: true, result: { message_id: 1 } } }));
  stack = await startStack({
    contexts: ['notification'],
    router: false,
    env: { NOTIFY_CHANNELS: 'log,telegram', TELEGRAM_API_URL: telegram.url, TELEGRAM_BOT_TOKEN: 'test-bot-token', NOTIFY_POLL_MS: '100' },
  });
  db = stack.services.notification!.db;
});
afterAll(async () => {
  await stack?.close();
  await telegram?.close();
});

const request = { customerId: 'c-telegram', text: 'Mission complete: Place 3 orders. 300 points are in your wallet.', correlationId: 'mission-1', source: 'rewards' };

test('without the internal token: 403, nothing recorded', async () => {
  const r = await postInternal(base(), '/internal/messages', request, null);
  expect(r.status).toBe(403);
  expect(await db.message.count({ where: { subjectKind: 'REQUEST' } })).toBe(0);
});

test('a bad request: 400 BAD_USER_INPUT, nothing recorded', async () => {
  for (const bad of [{ ...request, text: '' }, { ...request, customerId: undefined }, { ...request, source: 'Not A Context' }, 'not json']) {
    const r = await postInternal(base(), '/internal/messages', bad);
    expect(r.status).toBe(400);
    if (typeof bad !== 'string') expect(r.body.code).toBe('BAD_USER_INPUT');
  }
  expect(await db.message.count({ where: { subjectKind: 'REQUEST' } })).toBe(0);
});

test('a request is recorded per channel, sent, and announced as MessageSent with the caller\'s correlation id; asking again changes nothing', async () => {
  const r = await postInternal(base(), '/internal/messages', request);
  expect(r.status).toBe(201);
  expect(r.body.messageIds).toHaveLength(2);
  expect(r.body.messageId).toBe(r.body.messageIds[0]);
  const rows = await db.message.findMany({ where: { subjectKind: 'REQUEST', subjectId: 'mission-1' }, orderBy: { channel: 'asc' } });
  expect(rows.map((m) => [m.channel, m.customerId, m.status, m.text])).toEqual([
    ['LOG', 'c-telegram', 'REQUESTED', request.text],
    ['TELEGRAM', 'c-telegram', 'REQUESTED', request.text],
  ]);
  expect(rows.find((m) => m.channel === 'LOG')!.id).toBe(r.body.messageId);

  await waitFor(async () => (await db.message.count({ where: { subjectId: 'mission-1', deliveryStatus: 'SENT' } })) === 2, 'both channels to send', 30_000);
  expect(telegram.requests.map((q) => q.body)).toEqual([{ chat_id: 'c-telegram', text: request.text }]);
  const events = (await outboxOf(db, 'mission-1')).map((e) => parseEvent(MessageSent, e.payload));
  expect(events.map((e) => [e.data.channel, e.data.requestId, e.data.messageId, e.correlationId, e.causationId]).sort()).toEqual(
    rows.map((m) => [m.channel, 'mission-1', m.id, 'mission-1', 'rewards:mission-1']).sort(),
  );

  const again = await postInternal(base(), '/internal/messages', request);
  expect(again).toEqual({ status: 201, body: r.body });
  expect(await db.message.count({ where: { subjectId: 'mission-1' } })).toBe(2);
});

test('the customer\'s message history shows requested messages as RequestedMessage', async () => {
  const r = await subgraphGql(stack.services.notification!.url, `{ customerMessages { __typename subjectKind ... on RequestedMessage { requestId message channel } } }`, undefined, {
    actor: as.customer('c-telegram'),
  });
  expect(r.errors).toBeUndefined();
  expect(r.data.customerMessages).toEqual(
    expect.arrayContaining([{ __typename: 'RequestedMessage', subjectKind: 'REQUEST', requestId: 'mission-1', message: request.text, channel: 'LOG' }]),
  );
});
