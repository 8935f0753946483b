// The notification subgraph alone, on its own SQLite database: ordering's events arrive on
// ordering's stream as its relay would publish them; messages go out on every configured
// channel, each channel a local fake (webhook receiver, Telegram Bot API, KakaoTalk webhook).
// Real nats-server; the SQLite file is a throwaway under the OS temp dir.
import { randomUUID } from 'node:crypto';
import { createClient } from '@libsql/client';
import { parseEvent, type EventData } from '../../platform/events';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { startFakeHttpServer, type FakeHttpServer, type ReceivedRequest } from '../../test/support/fake-http';
import { sampleOrderPlaced } from '../../test/support/fixtures';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import { MESSAGE_ID_HEADER } from './channels';
import { MessageFailed, MessageSent } from './contracts';
import type { Message, NotificationDb } from './db';

const BOT_TOKEN = '123456:test-bot-token';
const KAKAO_TOKEN = 'kakao-test-token';
/** KakaoTalk refuses messages to this customer for good (e.g. they blocked the channel). */
const KAKAO_BLOCKED = 'c-kakao-blocked';
const MAX_ATTEMPTS = 5;

let stack: Stack;
let db: NotificationDb;
let webhook: FakeHttpServer;
let telegram: FakeHttpServer;
let kakao: FakeHttpServer;
const url = () => stack.services.notification!.url;

beforeAll(async () => {
  webhook = await startFakeHttpServer();
  telegram = await startFakeHttpServer((req) => ({ status: 200, body: { ok: true, result: { message_id: telegram.requests.indexOf(req) + 1, text: req.body.text } } }));
  kakao = await startFakeHttpServer((req) =>
    req.body?.receiver === KAKAO_BLOCKED ? { status: 400, body: { code: -401, msg: 'receiver blocked the channel' } } : { status: 200, body: { result_code: 0 } },
  );
  stack = await startStack({
    contexts: ['notification'],
    router: false,
    env: {
      NOTIFY_CHANNELS: 'log,webhook,telegram,kakao',
      NOTIFY_WEBHOOK_URL: `${webhook.url}/hooks/orders`,
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      KAKAO_WEBHOOK_URL: `${kakao.url}/v1/talk/send`,
      KAKAO_TOKEN,
      NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      // Retries after ~0.2 s, 0.4 s, 0.8 s, 1.6 s: a failing channel gives up within a few seconds.
      NOTIFY_RETRY_BASE_MS: '200',
      NOTIFY_POLL_MS: '100',
      NOTIFY_SEND_TIMEOUT_MS: '2000',
    },
  });
  db = stack.services.notification!.db;
});
afterAll(async () => {
  await stack?.close();
  for (const s of [webhook, telegram, kakao]) await s?.close();
});

const ofOrder = (server: FakeHttpServer, orderId: string, pick: (r: ReceivedRequest) => string | undefined) =>
  server.requests.filter((r) => pick(r)?.startsWith(`${orderId} `) || r.body?.orderId === orderId);
const webhookCalls = (orderId: string) => webhook.requests.filter((r) => r.body?.orderId === orderId);
const telegramCalls = (orderId: string) => ofOrder(telegram, orderId, (r) => r.body?.text);
const kakaoCalls = (orderId: string) => ofOrder(kakao, orderId, (r) => r.body?.template_object?.text);

const messagesOf = (orderId: string) => db.message.findMany({ where: { orderId }, orderBy: [{ orderVersion: 'asc' }, { channel: 'asc' }] });

/** Waits until every message of the order is settled (SENT, or FAILED with no retry left) and there are `n` of them. */
const settled = (orderId: string, n: number) =>
  waitFor(
    async () => {
      const rows = await messagesOf(orderId);
      return rows.length === n && rows.every((m) => m.deliveryStatus === 'SENT' || (m.deliveryStatus === 'FAILED' && m.nextAttemptAt === null)) ? rows : null;
    },
    `${n} settled messages for order ${orderId}`,
    30_000,
  );

async function placed(overrides: Partial<EventData<typeof OrderPlaced>> = {}) {
  const data = sampleOrderPlaced(overrides);
  const env = await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
  return { data, env };
}

async function statusChanged(orderId: string, customerId: string, status: EventData<typeof OrderStatusChanged>['status'], version: number) {
  const data = { orderId, customerId, status, previousStatus: 'PAID' as const, version, changedAt: new Date().toISOString() };
  const env = await publishEvent(stack.nats.url, OrderStatusChanged, data, { correlationId: orderId });
  return { data, env };
}

const outboxOf = (orderId: string) => db.outboxEvent.findMany({ where: { correlationId: orderId }, orderBy: { seq: 'asc' } });

describe('an order status change becomes a message on every channel', () => {
  test('OrderPlaced (PAID): one message per channel, recorded, sent, and told by MessageSent', async () => {
    const { data, env } = await placed({ customerId: 'c-placed' });
    const rows = await settled(data.orderId, 4);
    const text = `${data.orderId} c-placed Paid. Your order is placed.`;
    expect(rows.map((m) => m.channel).sort()).toEqual(['KAKAO', 'LOG', 'TELEGRAM', 'WEBHOOK']);
    for (const m of rows) {
      expect(m).toMatchObject({ orderId: data.orderId, customerId: 'c-placed', status: 'PAID', orderVersion: 2, text, deliveryStatus: 'SENT', attempts: 1, lastError: null, nextAttemptAt: null, eventId: env.id });
      expect(m.sentAt).toBeInstanceOf(Date);
    }

    // Webhook: the message as JSON, with its id as a header a receiver can de-duplicate on.
    const hook = webhookCalls(data.orderId);
    expect(hook).toHaveLength(1);
    const viaWebhook = rows.find((m) => m.channel === 'WEBHOOK')!;
    expect(hook[0]).toMatchObject({ method: 'POST', path: '/hooks/orders', body: { id: viaWebhook.id, orderId: data.orderId, customerId: 'c-placed', status: 'PAID', message: text } });
    expect(hook[0].headers[MESSAGE_ID_HEADER]).toBe(viaWebhook.id);
    expect(hook[0].headers['content-type']).toBe('application/json');

    // Telegram: the Bot API's sendMessage, chat = the customer.
    expect(telegramCalls(data.orderId).map((r) => ({ method: r.method, path: r.path, body: r.body }))).toEqual([
      { method: 'POST', path: `/bot${BOT_TOKEN}/sendMessage`, body: { chat_id: 'c-placed', text } },
    ]);

    // KakaoTalk: a text template to the customer, with the configured token.
    const k = kakaoCalls(data.orderId);
    expect(k).toHaveLength(1);
    expect(k[0]).toMatchObject({ method: 'POST', path: '/v1/talk/send', body: { receiver: 'c-placed', template_object: { object_type: 'text', text, link: {} } } });
    expect(k[0].headers.authorization).toBe(`Bearer ${KAKAO_TOKEN}`);

    // One MessageSent per message, caused by the event, published by the relay.
    const events = await outboxOf(data.orderId);
    expect(events.map((e) => e.subject)).toEqual(Array(4).fill(MessageSent.subject));
    const sent = events.map((e) => parseEvent(MessageSent, JSON.stringify(e.payload)));
    expect(sent.map((e) => e.data.messageId).sort()).toEqual(rows.map((m) => m.id).sort());
    for (const e of sent) {
      const m = rows.find((r) => r.id === e.data.messageId)!;
      expect(e).toMatchObject({ correlationId: data.orderId, causationId: env.id });
      expect(e.data).toEqual({ messageId: m.id, orderId: data.orderId, customerId: 'c-placed', status: 'PAID', channel: m.channel, attempts: 1, sentAt: m.sentAt!.toISOString() });
    }
    await waitFor(async () => (await outboxOf(data.orderId)).every((e) => e.sentAt !== null), 'MessageSent events to be published');
  });

  test('SHIPPED is told in seed 004’s words: "<orderId> <customerId> Shipped..."', async () => {
    const orderId = `${Math.floor(Math.random() * 1e6)}`;
    await statusChanged(orderId, '33', 'SHIPPED', 5);
    const rows = await settled(orderId, 4);
    expect(new Set(rows.map((m) => m.text))).toEqual(new Set([`${orderId} 33 Shipped...`]));
    expect(rows.every((m) => m.status === 'SHIPPED' && m.deliveryStatus === 'SENT')).toBe(true);
    expect(webhookCalls(orderId).map((r) => r.body.message)).toEqual([`${orderId} 33 Shipped...`]);
  });

  test('every change of one order is its own message, whatever order the two subjects arrive in', async () => {
    const orderId = randomUUID();
    // The status changes overtake OrderPlaced.
    await statusChanged(orderId, 'c-seq', 'CONFIRMED', 3);
    await statusChanged(orderId, 'c-seq', 'IN_PRODUCTION', 4);
    await placed({ orderId, customerId: 'c-seq' });
    const rows = await settled(orderId, 12);
    const log = rows.filter((m) => m.channel === 'LOG');
    expect(log.map((m) => [m.orderVersion, m.status, m.text])).toEqual([
      [2, 'PAID', `${orderId} c-seq Paid. Your order is placed.`],
      [3, 'CONFIRMED', `${orderId} c-seq Confirmed. The store accepted your order.`],
      [4, 'IN_PRODUCTION', `${orderId} c-seq In production. The store is preparing your order.`],
    ]);
    expect(webhookCalls(orderId).map((r) => r.body.status).sort()).toEqual(['CONFIRMED', 'IN_PRODUCTION', 'PAID']);
  });

  test('the same change told twice (a new envelope for it) records and sends nothing more', async () => {
    const { data } = await placed({ customerId: 'c-twice' });
    await settled(data.orderId, 4);
    const again = await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
    await waitFor(
      async () => (await db.processedEvent.count({ where: { consumer: 'notification--order-placed', eventId: again.id } })) === 1,
      'the second envelope to be processed',
    );
    expect(await db.message.count({ where: { orderId: data.orderId } })).toBe(4);
    expect(webhookCalls(data.orderId)).toHaveLength(1);
    expect(telegramCalls(data.orderId)).toHaveLength(1);
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(4);
  });
});

describe('a failing channel', () => {
  test('a webhook answering 500: FAILED with the error, retried with back-off, SENT once it recovers; the other channels are not held up', async () => {
    webhook.reply = () => ({ status: 500, body: { error: 'receiver down' } });
    try {
      const { data } = await placed({ customerId: 'c-webhook-down' });
      const failed = await waitFor(async () => {
        const m = await db.message.findFirst({ where: { orderId: data.orderId, channel: 'WEBHOOK' } });
        return m && m.deliveryStatus === 'FAILED' && m.attempts >= 2 ? m : null;
      }, 'the webhook message to fail twice');
      expect(failed.lastError).toBe('HTTP 500: {"error":"receiver down"}');
      expect(failed.nextAttemptAt).toBeInstanceOf(Date);
      expect(failed.sentAt).toBeNull();
      // Meanwhile the change reached the customer on every other channel.
      const others = await db.message.findMany({ where: { orderId: data.orderId, channel: { not: 'WEBHOOK' } } });
      expect(others.map((m) => [m.channel, m.deliveryStatus, m.attempts]).sort()).toEqual([
        ['KAKAO', 'SENT', 1],
        ['LOG', 'SENT', 1],
        ['TELEGRAM', 'SENT', 1],
      ]);
      expect(await db.outboxEvent.count({ where: { correlationId: data.orderId, subject: MessageFailed.subject } })).toBe(0);

      webhook.reply = () => ({ status: 204 });
      const sent = await waitFor(async () => {
        const m = await db.message.findUniqueOrThrow({ where: { id: failed.id } });
        return m.deliveryStatus === 'SENT' ? m : null;
      }, 'the webhook message to be sent after recovery');
      expect(sent.attempts).toBeGreaterThan(failed.attempts);
      expect(sent.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
      expect(sent).toMatchObject({ lastError: null, nextAttemptAt: null });
      // Every attempt reached the receiver; the last one was accepted, once.
      const calls = webhookCalls(data.orderId);
      expect(calls).toHaveLength(sent.attempts);
      expect(new Set(calls.map((c) => c.body.id))).toEqual(new Set([sent.id]));
      const events = await db.outboxEvent.findMany({ where: { correlationId: data.orderId, subject: MessageSent.subject } });
      expect(events.map((e) => parseEvent(MessageSent, JSON.stringify(e.payload)).data).find((d) => d.channel === 'WEBHOOK')).toMatchObject({ messageId: sent.id, attempts: sent.attempts });
    } finally {
      webhook.reply = () => ({ status: 200, body: { ok: true } });
    }
  });

  test('a channel that keeps refusing: given up after the last attempt, FAILED for good with MessageFailed; the rest were sent', async () => {
    const { data, env } = await placed({ customerId: KAKAO_BLOCKED });
    const rows = await settled(data.orderId, 4);
    const k = rows.find((m) => m.channel === 'KAKAO')!;
    expect(k).toMatchObject({ deliveryStatus: 'FAILED', attempts: MAX_ATTEMPTS, nextAttemptAt: null, sentAt: null });
    expect(k.lastError).toBe('HTTP 400: {"code":-401,"msg":"receiver blocked the channel"}');
    expect(kakaoCalls(data.orderId)).toHaveLength(MAX_ATTEMPTS);
    expect(rows.filter((m) => m.channel !== 'KAKAO').every((m) => m.deliveryStatus === 'SENT')).toBe(true);

    const failedEvents = await db.outboxEvent.findMany({ where: { correlationId: data.orderId, subject: MessageFailed.subject } });
    expect(failedEvents).toHaveLength(1);
    const e = parseEvent(MessageFailed, JSON.stringify(failedEvents[0].payload));
    expect(e).toMatchObject({ correlationId: data.orderId, causationId: env.id });
    expect(e.data).toMatchObject({ messageId: k.id, orderId: data.orderId, customerId: KAKAO_BLOCKED, status: 'PAID', channel: 'KAKAO', attempts: MAX_ATTEMPTS, error: k.lastError });
    // Given up means given up: later passes leave it alone.
    await new Promise((r) => setTimeout(r, 500));
    expect(kakaoCalls(data.orderId)).toHaveLength(MAX_ATTEMPTS);
  });

  test('a message left mid-send by a crash (its lease ran out) is sent again: at least once', async () => {
    const { data } = await placed({ customerId: 'c-crash' });
    const [m] = await waitFor(async () => {
      const rows = await db.message.findMany({ where: { orderId: data.orderId, channel: 'WEBHOOK', deliveryStatus: 'SENT' } });
      return rows.length === 1 ? rows : null;
    }, 'the webhook message to be sent');
    // As a crash between "channel accepted" and "marked SENT" leaves it: not SENT, its lease expired.
    await db.message.update({ where: { id: m.id }, data: { deliveryStatus: 'PENDING', sentAt: null, nextAttemptAt: new Date(Date.now() - 1000) } });
    await waitFor(async () => (await db.message.findUniqueOrThrow({ where: { id: m.id } })).deliveryStatus === 'SENT', 'the message to be sent again');
    expect(webhookCalls(data.orderId).map((c) => c.body.id)).toEqual([m.id, m.id]);
  });
});

describe('message history', () => {
  const FIELDS = 'id orderId customerId status message channel deliveryStatus attempts lastError nextAttemptAt createdAt sentAt';
  const asGraphQL = (m: Message) => ({
    id: m.id,
    orderId: m.orderId,
    customerId: m.customerId,
    status: m.status,
    message: m.text,
    channel: m.channel,
    deliveryStatus: m.deliveryStatus,
    attempts: m.attempts,
    lastError: m.lastError,
    nextAttemptAt: m.nextAttemptAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
  });
  const byAge = (rows: Message[]) => [...rows].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.channel.localeCompare(b.channel));

  test('by order and by customer, oldest first, every field', async () => {
    const customerId = `c-history-${randomUUID()}`;
    const first = await placed({ customerId });
    await settled(first.data.orderId, 4);
    const second = await placed({ customerId });
    await settled(second.data.orderId, 4);
    await statusChanged(first.data.orderId, customerId, 'SHIPPED', 3);
    await settled(first.data.orderId, 8);

    const byOrder = await subgraphGql(url(), `query($o: ID!) { messagesByOrder(orderId: $o) { ${FIELDS} } }`, { o: first.data.orderId });
    expect(byOrder.errors).toBeUndefined();
    expect(byOrder.data.messagesByOrder).toEqual(byAge(await messagesOf(first.data.orderId)).map(asGraphQL));
    expect(byOrder.data.messagesByOrder.map((m: any) => m.status)).toEqual(['PAID', 'PAID', 'PAID', 'PAID', 'SHIPPED', 'SHIPPED', 'SHIPPED', 'SHIPPED']);

    const byCustomer = await subgraphGql(url(), `query($c: ID!) { messagesByCustomer(customerId: $c) { ${FIELDS} } }`, { c: customerId });
    expect(byCustomer.errors).toBeUndefined();
    expect(byCustomer.data.messagesByCustomer).toEqual(byAge(await db.message.findMany({ where: { customerId } })).map(asGraphQL));
    expect(byCustomer.data.messagesByCustomer).toHaveLength(12);

    const none = await subgraphGql(url(), `{ messagesByCustomer(customerId: "nobody") { id } messagesByOrder(orderId: "no-such-order") { id } }`);
    expect(none).toEqual({ data: { messagesByCustomer: [], messagesByOrder: [] } });
  });

  test('a blank or over-long id is BAD_USER_INPUT naming the argument', async () => {
    const blank = await subgraphGql(url(), `{ messagesByCustomer(customerId: "  ") { id } }`);
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customerId' });
    const long = await subgraphGql(url(), `query($o: ID!) { messagesByOrder(orderId: $o) { id } }`, { o: 'x'.repeat(65) });
    expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
  });
});

describe('federation', () => {
  test('Order._entities adds each order’s messages; [] for an order notification never heard of', async () => {
    const { data } = await placed({ customerId: 'c-entities' });
    const rows = await settled(data.orderId, 4);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id messages { id status channel deliveryStatus message } } } }`, {
      r: [
        { __typename: 'Order', id: 'never-heard-of' },
        { __typename: 'Order', id: data.orderId },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities[0]).toEqual({ id: 'never-heard-of', messages: [] });
    expect(r.data._entities[1].id).toBe(data.orderId);
    expect(r.data._entities[1].messages.map((m: any) => m.channel).sort()).toEqual(['KAKAO', 'LOG', 'TELEGRAM', 'WEBHOOK']);
    expect(r.data._entities[1].messages.map((m: any) => m.id).sort()).toEqual(rows.map((m) => m.id).sort());
    expect(new Set(r.data._entities[1].messages.map((m: any) => `${m.status} ${m.deliveryStatus} ${m.message}`))).toEqual(
      new Set([`PAID SENT ${data.orderId} c-entities Paid. Your order is placed.`]),
    );
  });

  test('Message._entities resolves a message by id; null when unknown', async () => {
    const { data } = await placed({ customerId: 'c-message-entity' });
    const [m] = await settled(data.orderId, 4);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Message { id orderId channel } } }`, {
      r: [
        { __typename: 'Message', id: m.id },
        { __typename: 'Message', id: 'nope' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ id: m.id, orderId: data.orderId, channel: m.channel }, null]);
  });

  test('_service { sdl } is subgraphs/notification/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'notification');
  });
});

describe('its own SQLite database', () => {
  test('the messages, the processed events and the outbox live in the SQLite file DATABASE_URL_NOTIFICATION names', async () => {
    const { data, env } = await placed({ customerId: 'c-sqlite' });
    await settled(data.orderId, 4);
    const file = createClient({ url: stack.dbs.url('notification') });
    try {
      const count = async (sql: string, args: string[]) => Number((await file.execute({ sql, args })).rows[0][0]);
      expect(await count('SELECT COUNT(*) FROM "Message" WHERE "orderId" = ?', [data.orderId])).toBe(4);
      expect(await count('SELECT COUNT(*) FROM "ProcessedEvent" WHERE "consumer" = ? AND "eventId" = ?', ['notification--order-placed', env.id])).toBe(1);
      expect(await count('SELECT COUNT(*) FROM "OutboxEvent" WHERE "correlationId" = ?', [data.orderId])).toBe(4);
      // Prisma's migration record, as Prisma keeps it in SQLite.
      const [migration] = (await file.execute('SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations"')).rows;
      expect(migration).toMatchObject({ migration_name: '20261121000000_init', applied_steps_count: 1 });
      expect(typeof migration.finished_at).toBe('number');
    } finally {
      file.close();
    }
  });
});

describeRouterOnlyAccess('notification', url);
