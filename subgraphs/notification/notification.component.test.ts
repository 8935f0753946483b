// The notification subgraph alone, on its own SQLite database: ordering's and rental's events
// arrive on their streams as their relays would publish them; messages go out on every configured
// channel, each channel a local fake (webhook receiver, Telegram Bot API, KakaoTalk webhook).
// Real nats-server; the SQLite file is a throwaway under the OS temp dir.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from '@libsql/client';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import type { Actor } from '../../platform/auth';
import { libsqlRunner } from '../../platform/database';
import { applyMigrations } from '../../platform/migrate';
import { parseEvent, type EventData } from '../../platform/events';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { startFakeHttpServer, type FakeHttpServer, type ReceivedRequest } from '../../test/support/fake-http';
import { sampleOrderPlaced } from '../../test/support/fixtures';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed } from '../rental/contracts';
import { MESSAGE_ID_HEADER } from './channels';
import { MessageFailed, MessageSent } from './contracts';
import { createNotificationClient, type Message, type NotificationDb } from './db';
import type { MessageSubject } from './rules';

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

const messagesOf = (subjectId: string, subjectKind: MessageSubject = 'ORDER') =>
  db.message.findMany({ where: { subjectKind, subjectId }, orderBy: [{ subjectVersion: 'asc' }, { channel: 'asc' }] });

/** Waits until every message of the order (or reservation) is settled (SENT, or FAILED with no retry left) and there are `n` of them. */
const settled = (subjectId: string, n: number, kind: MessageSubject = 'ORDER') =>
  waitFor(
    async () => {
      const rows = await messagesOf(subjectId, kind);
      return rows.length === n && rows.every((m) => m.deliveryStatus === 'SENT' || (m.deliveryStatus === 'FAILED' && m.nextAttemptAt === null)) ? rows : null;
    },
    `${n} settled messages for ${kind.toLowerCase()} ${subjectId}`,
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

/** A reservation as rental's events carry it (requested at version 1; each outcome moves it one version on). */
const reservation = (customerId: string, title = '1984') => ({
  reservationId: randomUUID(),
  customerId,
  productId: `book-${title.toLowerCase()}`,
  title,
  requestedAt: new Date().toISOString(),
});
type ReservationFacts = ReturnType<typeof reservation>;
const at = () => new Date().toISOString();
/** Rental's three outcome events, built with rental's contracts and published on rental's stream. */
const told = {
  confirmed: (r: ReservationFacts, version = 2) =>
    publishEvent(stack.nats.url, ReservationConfirmed, { ...r, status: 'RESERVED', version, confirmedAt: at() }, { correlationId: r.reservationId }),
  failed: (r: ReservationFacts, version = 2) =>
    publishEvent(stack.nats.url, ReservationFailed, { ...r, status: 'FAILED', version, reason: 'OUT_OF_STOCK', failedAt: at() }, { correlationId: r.reservationId }),
  cancelled: (r: ReservationFacts, version: number, previousStatus: 'REQUESTED' | 'RESERVED' = 'RESERVED') =>
    publishEvent(stack.nats.url, ReservationCancelled, { ...r, status: 'CANCELLED', previousStatus, version, cancelledAt: at() }, { correlationId: r.reservationId }),
};
const webhookCallsAbout = (reservationId: string) => webhook.requests.filter((r) => r.body?.reservationId === reservationId);
const MIGRATIONS = resolve(__dirname, '../../prisma/notification/migrations');
const migrationNames = () =>
  readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

const outboxOf = (orderId: string) => db.outboxEvent.findMany({ where: { correlationId: orderId }, orderBy: { seq: 'asc' } });

describe('an order status change becomes a message on every channel', () => {
  test('OrderPlaced (PAID): one message per channel, recorded, sent, and told by MessageSent', async () => {
    const { data, env } = await placed({ customerId: 'c-placed' });
    const rows = await settled(data.orderId, 4);
    const text = `${data.orderId} c-placed Paid. Your order is placed.`;
    expect(rows.map((m) => m.channel).sort()).toEqual(['KAKAO', 'LOG', 'TELEGRAM', 'WEBHOOK']);
    for (const m of rows) {
      expect(m).toMatchObject({ subjectKind: 'ORDER', subjectId: data.orderId, customerId: 'c-placed', status: 'PAID', subjectVersion: 2, text, deliveryStatus: 'SENT', attempts: 1, lastError: null, nextAttemptAt: null, eventId: env.id });
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
    expect(log.map((m) => [m.subjectVersion, m.status, m.text])).toEqual([
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
    expect(await db.message.count({ where: { subjectId: data.orderId } })).toBe(4);
    expect(webhookCalls(data.orderId)).toHaveLength(1);
    expect(telegramCalls(data.orderId)).toHaveLength(1);
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(4);
  });
});

describe('a reservation’s outcome becomes a message on every channel (rental’s events)', () => {
  test('ReservationConfirmed: "<reservationId> <customerId> Reserved: <title>" on each channel, sent and told by MessageSent', async () => {
    const r = reservation('c-reserved');
    const env = await told.confirmed(r);
    const rows = await settled(r.reservationId, 4, 'RESERVATION');
    const text = `${r.reservationId} c-reserved Reserved: 1984`;
    expect(rows.map((m) => m.channel).sort()).toEqual(['KAKAO', 'LOG', 'TELEGRAM', 'WEBHOOK']);
    for (const m of rows) {
      expect(m).toMatchObject({ subjectKind: 'RESERVATION', subjectId: r.reservationId, customerId: 'c-reserved', status: 'RESERVED', subjectVersion: 2, text, deliveryStatus: 'SENT', attempts: 1, eventId: env.id });
    }
    // The webhook names the reservation (never an orderId); Telegram and Kakao get the text.
    const hook = webhookCallsAbout(r.reservationId);
    expect(hook).toHaveLength(1);
    expect(hook[0].body).toEqual({ id: rows.find((m) => m.channel === 'WEBHOOK')!.id, reservationId: r.reservationId, customerId: 'c-reserved', status: 'RESERVED', message: text });
    expect(telegramCalls(r.reservationId).map((c) => c.body)).toEqual([{ chat_id: 'c-reserved', text }]);
    expect(kakaoCalls(r.reservationId).map((c) => c.body.template_object.text)).toEqual([text]);

    // MessageSent per message: about the reservation, correlated by its id, caused by rental's event.
    await waitFor(async () => (await outboxOf(r.reservationId)).length === 4, 'four MessageSent events');
    const sent = (await outboxOf(r.reservationId)).map((e) => parseEvent(MessageSent, JSON.stringify(e.payload)));
    for (const e of sent) {
      expect(e).toMatchObject({ correlationId: r.reservationId, causationId: env.id });
      expect(e.data).toMatchObject({ reservationId: r.reservationId, customerId: 'c-reserved', status: 'RESERVED', attempts: 1 });
      expect(e.data.orderId).toBeUndefined();
    }
  });

  test('ReservationFailed: "<reservationId> <customerId> No copy available: <title>"', async () => {
    const r = reservation('c-no-copy', 'Dune');
    await told.failed(r);
    const rows = await settled(r.reservationId, 4, 'RESERVATION');
    expect(new Set(rows.map((m) => `${m.status} ${m.subjectVersion} ${m.deliveryStatus} ${m.text}`))).toEqual(new Set([`FAILED 2 SENT ${r.reservationId} c-no-copy No copy available: Dune`]));
  });

  test('ReservationCancelled after it was reserved: a second message, "Reservation cancelled: <title>"; in any order of arrival', async () => {
    const r = reservation('c-cancels', 'The Hobbit');
    // The cancellation overtakes the confirmation: each change is told on its own.
    await told.cancelled(r, 3);
    await told.confirmed(r, 2);
    const rows = await settled(r.reservationId, 8, 'RESERVATION');
    expect(rows.filter((m) => m.channel === 'LOG').map((m) => [m.subjectVersion, m.status, m.text])).toEqual([
      [2, 'RESERVED', `${r.reservationId} c-cancels Reserved: The Hobbit`],
      [3, 'CANCELLED', `${r.reservationId} c-cancels Reservation cancelled: The Hobbit`],
    ]);
    expect(webhookCallsAbout(r.reservationId).map((c) => c.body.status).sort()).toEqual(['CANCELLED', 'RESERVED']);
  });

  test('the same outcome told twice (a new envelope for it) records and sends nothing more', async () => {
    const r = reservation('c-told-twice');
    await told.confirmed(r);
    await settled(r.reservationId, 4, 'RESERVATION');
    const again = await told.confirmed(r);
    const cancelled = await told.cancelled(r, 3);
    const cancelledAgain = await told.cancelled(r, 3);
    for (const [consumer, e] of [
      ['notification--reservation-confirmed', again],
      ['notification--reservation-cancelled', cancelled],
      ['notification--reservation-cancelled', cancelledAgain],
    ] as const) {
      await waitFor(async () => (await db.processedEvent.count({ where: { consumer, eventId: e.id } })) === 1, `${consumer} to process ${e.id}`);
    }
    const rows = await settled(r.reservationId, 8, 'RESERVATION');
    expect(rows.map((m) => m.status).sort()).toEqual([...Array(4).fill('CANCELLED'), ...Array(4).fill('RESERVED')]);
    expect(webhookCallsAbout(r.reservationId)).toHaveLength(2);
    expect(telegramCalls(r.reservationId)).toHaveLength(2);
    await waitFor(async () => (await outboxOf(r.reservationId)).length === 8, 'eight MessageSent events');
  });
});

describe('a failing channel', () => {
  test('a webhook answering 500: FAILED with the error, retried with back-off, SENT once it recovers; the other channels are not held up', async () => {
    webhook.reply = () => ({ status: 500, body: { error: 'receiver down' } });
    try {
      const { data } = await placed({ customerId: 'c-webhook-down' });
      const failed = await waitFor(async () => {
        const m = await db.message.findFirst({ where: { subjectId: data.orderId, channel: 'WEBHOOK' } });
        return m && m.deliveryStatus === 'FAILED' && m.attempts >= 2 ? m : null;
      }, 'the webhook message to fail twice');
      expect(failed.lastError).toBe('HTTP 500: {"error":"receiver down"}');
      expect(failed.nextAttemptAt).toBeInstanceOf(Date);
      expect(failed.sentAt).toBeNull();
      // Meanwhile the change reached the customer on every other channel.
      const others = await db.message.findMany({ where: { subjectId: data.orderId, channel: { not: 'WEBHOOK' } } });
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
      const rows = await db.message.findMany({ where: { subjectId: data.orderId, channel: 'WEBHOOK', deliveryStatus: 'SENT' } });
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
    orderId: m.subjectId,
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

  test('by order (its customer) and by customer (the signed-in one), oldest first, every field', async () => {
    const customerId = `c-history-${randomUUID()}`;
    const first = await placed({ customerId });
    await settled(first.data.orderId, 4);
    const second = await placed({ customerId });
    await settled(second.data.orderId, 4);
    await statusChanged(first.data.orderId, customerId, 'SHIPPED', 3);
    await settled(first.data.orderId, 8);

    const customer = { actor: as.customer(customerId) };
    const byOrder = await subgraphGql(url(), `query($o: ID!) { messagesByOrder(orderId: $o) { ${FIELDS} } }`, { o: first.data.orderId }, customer);
    expect(byOrder.errors).toBeUndefined();
    expect(byOrder.data.messagesByOrder).toEqual(byAge(await messagesOf(first.data.orderId)).map(asGraphQL));
    expect(byOrder.data.messagesByOrder.map((m: any) => m.status)).toEqual(['PAID', 'PAID', 'PAID', 'PAID', 'SHIPPED', 'SHIPPED', 'SHIPPED', 'SHIPPED']);

    const byCustomer = await subgraphGql(url(), `{ messagesByCustomer { ${FIELDS} } }`, undefined, customer);
    expect(byCustomer.errors).toBeUndefined();
    expect(byCustomer.data.messagesByCustomer).toEqual(byAge(await db.message.findMany({ where: { customerId } })).map(asGraphQL));
    expect(byCustomer.data.messagesByCustomer).toHaveLength(12);

    const none = await subgraphGql(url(), `{ messagesByCustomer { id } messagesByOrder(orderId: "no-such-order") { id } }`, undefined, { actor: as.customer('nobody') });
    expect(none).toEqual({ data: { messagesByCustomer: [], messagesByOrder: [] } });
  });

  test('by reservation, and a customer’s whole history of both kinds; messagesByCustomer stays about orders', async () => {
    const customerId = `c-both-${randomUUID()}`;
    const order = await placed({ customerId });
    await settled(order.data.orderId, 4);
    const r = reservation(customerId, 'Sapiens');
    await told.confirmed(r);
    await told.cancelled(r, 3);
    const rows = await settled(r.reservationId, 8, 'RESERVATION');

    const customer = { actor: as.customer(customerId) };
    const byReservation = await subgraphGql(
      url(),
      `query($r: ID!) { messagesByReservation(reservationId: $r) { id reservationId subjectKind subjectId customerId status message channel deliveryStatus } }`,
      { r: r.reservationId },
      customer,
    );
    expect(byReservation.errors).toBeUndefined();
    expect(byReservation.data.messagesByReservation).toEqual(
      [...rows]
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.channel.localeCompare(b.channel))
        .map((m) => ({ id: m.id, reservationId: r.reservationId, subjectKind: 'RESERVATION', subjectId: r.reservationId, customerId, status: m.status, message: m.text, channel: m.channel, deliveryStatus: 'SENT' })),
    );

    const all = await subgraphGql(
      url(),
      `{ customerMessages { __typename id subjectKind subjectId status ... on Message { orderId } ... on ReservationMessage { reservationId } } }`,
      undefined,
      customer,
    );
    expect(all.errors).toBeUndefined();
    const kinds = all.data.customerMessages.map((m: any) => `${m.__typename} ${m.subjectKind} ${m.subjectId} ${m.orderId ?? m.reservationId} ${m.status}`);
    expect(kinds.sort()).toEqual(
      [
        ...Array(4).fill(`Message ORDER ${order.data.orderId} ${order.data.orderId} PAID`),
        ...Array(4).fill(`ReservationMessage RESERVATION ${r.reservationId} ${r.reservationId} RESERVED`),
        ...Array(4).fill(`ReservationMessage RESERVATION ${r.reservationId} ${r.reservationId} CANCELLED`),
      ].sort(),
    );

    const ordersOnly = await subgraphGql(url(), `{ messagesByCustomer { orderId subjectKind } }`, undefined, customer);
    expect(ordersOnly.data.messagesByCustomer).toEqual(Array(4).fill({ orderId: order.data.orderId, subjectKind: 'ORDER' }));
    // An order's messages and a reservation's never mix, even were the ids equal.
    const crossed = await subgraphGql(url(), `query($o: ID!) { messagesByOrder(orderId: $o) { id } }`, { o: r.reservationId }, customer);
    expect(crossed).toEqual({ data: { messagesByOrder: [] } });
    expect(await subgraphGql(url(), `{ messagesByReservation(reservationId: "no-such-reservation") { id } }`)).toEqual({ data: { messagesByReservation: [] } });
  });

  test('a blank or over-long id is BAD_USER_INPUT naming the argument', async () => {
    const noReservation = await subgraphGql(url(), `{ messagesByReservation(reservationId: "") { id } }`);
    expect(noReservation.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reservationId' });
    const blank = await subgraphGql(url(), `{ messagesByOrder(orderId: "  ") { id } }`, undefined, { actor: as.customer('c-1') });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    const long = await subgraphGql(url(), `query($o: ID!) { messagesByOrder(orderId: $o) { id } }`, { o: 'x'.repeat(65) });
    expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
  });
});

describe('federation', () => {
  // Entities need no actor of their own: the router only asks for them under an authorized parent.
  test('Order._entities adds each order’s messages; [] for an order notification never heard of', async () => {
    const { data } = await placed({ customerId: 'c-entities' });
    const rows = await settled(data.orderId, 4);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id messages { id status channel deliveryStatus message } } } }`, {
      r: [
        { __typename: 'Order', id: 'never-heard-of' },
        { __typename: 'Order', id: data.orderId },
      ],
    }, { actor: null });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities[0]).toEqual({ id: 'never-heard-of', messages: [] });
    expect(r.data._entities[1].id).toBe(data.orderId);
    expect(r.data._entities[1].messages.map((m: any) => m.channel).sort()).toEqual(['KAKAO', 'LOG', 'TELEGRAM', 'WEBHOOK']);
    expect(r.data._entities[1].messages.map((m: any) => m.id).sort()).toEqual(rows.map((m) => m.id).sort());
    expect(new Set(r.data._entities[1].messages.map((m: any) => `${m.status} ${m.deliveryStatus} ${m.message}`))).toEqual(
      new Set([`PAID SENT ${data.orderId} c-entities Paid. Your order is placed.`]),
    );
  });

  test('Reservation._entities adds each reservation’s messages; [] for one notification never heard of', async () => {
    const r = reservation('c-reservation-entities');
    await told.confirmed(r);
    const rows = await settled(r.reservationId, 4, 'RESERVATION');
    const q = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Reservation { id messages { id reservationId status message } } } }`, {
      r: [
        { __typename: 'Reservation', id: 'never-heard-of' },
        { __typename: 'Reservation', id: r.reservationId },
      ],
    }, { actor: null });
    expect(q.errors).toBeUndefined();
    expect(q.data._entities[0]).toEqual({ id: 'never-heard-of', messages: [] });
    expect(q.data._entities[1].messages.map((m: any) => m.id).sort()).toEqual(rows.map((m) => m.id).sort());
    expect(new Set(q.data._entities[1].messages.map((m: any) => `${m.reservationId} ${m.status} ${m.message}`))).toEqual(
      new Set([`${r.reservationId} RESERVED ${r.reservationId} c-reservation-entities Reserved: 1984`]),
    );
  });

  test('ReservationMessage._entities resolves a reservation’s message by id; a Message reference to it is null', async () => {
    const r = reservation('c-reservation-message-entity');
    await told.confirmed(r);
    const [m] = await settled(r.reservationId, 4, 'RESERVATION');
    const q = await subgraphGql(
      url(),
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on ReservationMessage { id reservationId } ... on Message { id orderId } } }`,
      { r: [{ __typename: 'ReservationMessage', id: m.id }, { __typename: 'Message', id: m.id }, { __typename: 'ReservationMessage', id: 'nope' }] },
    );
    expect(q.errors).toBeUndefined();
    expect(q.data._entities).toEqual([{ __typename: 'ReservationMessage', id: m.id, reservationId: r.reservationId }, null, null]);
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
      expect(await count('SELECT COUNT(*) FROM "Message" WHERE "subjectId" = ?', [data.orderId])).toBe(4);
      expect(await count('SELECT COUNT(*) FROM "ProcessedEvent" WHERE "consumer" = ? AND "eventId" = ?', ['notification--order-placed', env.id])).toBe(1);
      expect(await count('SELECT COUNT(*) FROM "OutboxEvent" WHERE "correlationId" = ?', [data.orderId])).toBe(4);
      // Prisma's migration record, as Prisma keeps it in SQLite.
      const migrations = (await file.execute('SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name')).rows;
      expect(migrations.map((m) => m.migration_name)).toEqual(migrationNames());
      for (const m of migrations) {
        expect(m.applied_steps_count).toBe(1);
        expect(typeof m.finished_at).toBe('number');
      }
    } finally {
      file.close();
    }
  });
});

describe('the migration to subjects (orders and reservations) keeps the messages recorded before it', () => {
  test('an order message written under the first schema is an ORDER message afterwards, with its id, version and state', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'og_test_notification-migration-'));
    const [first, ...later] = migrationNames();
    const file = createClient({ url: `file:${join(tmp, 'old.db')}` });
    try {
      // A database as the first release left it: only the first migration, one message sent.
      const firstOnly = join(tmp, 'first-only');
      cpSync(join(MIGRATIONS, first), join(firstOnly, first), { recursive: true });
      cpSync(join(MIGRATIONS, 'migration_lock.toml'), join(firstOnly, 'migration_lock.toml'));
      expect(await applyMigrations(libsqlRunner(file), firstOnly)).toEqual([first]);
      await file.execute({
        sql: `INSERT INTO "Message" ("id", "orderId", "customerId", "status", "orderVersion", "text", "channel", "deliveryStatus", "attempts", "nextAttemptAt", "eventId", "createdAt", "updatedAt", "sentAt")
              VALUES ('m-old', 'o-old', 'c-old', 'SHIPPED', 5, 'o-old c-old Shipped...', 'LOG', 'SENT', 1, NULL, 'e-old', '2025-11-21T05:00:00.000+00:00', '2025-11-21T05:00:00.000+00:00', '2025-11-21T05:00:01.000+00:00')`,
        args: [],
      });

      expect(await applyMigrations(libsqlRunner(file), MIGRATIONS)).toEqual(later);
      const migrated = createNotificationClient(new PrismaLibSql({ url: `file:${join(tmp, 'old.db')}` }));
      try {
        expect(await migrated.message.findMany()).toEqual([
          expect.objectContaining({
            id: 'm-old',
            subjectKind: 'ORDER',
            subjectId: 'o-old',
            subjectVersion: 5,
            customerId: 'c-old',
            status: 'SHIPPED',
            text: 'o-old c-old Shipped...',
            channel: 'LOG',
            deliveryStatus: 'SENT',
            attempts: 1,
            eventId: 'e-old',
            sentAt: new Date('2025-11-21T05:00:01.000Z'),
          }),
        ]);
        // The change it told is still known: the same change told again records nothing new.
        await expect(
          migrated.message.create({
            data: { id: 'm-dup', subjectKind: 'ORDER', subjectId: 'o-old', subjectVersion: 5, customerId: 'c-old', status: 'SHIPPED', text: 't', channel: 'LOG', eventId: 'e-2' },
          }),
        ).rejects.toThrow(/Unique constraint/);
      } finally {
        await migrated.$disconnect();
      }
    } finally {
      file.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('who may read which messages', () => {
  const notCustomers: Array<[string, Actor]> = [
    ['an admin', as.admin()],
    ['store staff', as.staff('sunrise-bakery')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ];
  /** Roles refused someone else's messages (the order's own store staff included: messages are the customer's). */
  const othersThanOwnerOrAdmin: Array<[string, Actor]> = [
    ['another customer', as.customer('c-intruder')],
    ['staff of the order’s store', as.staff('sunrise-bakery')],
    ['staff of another store', as.staff('mario-pizzeria')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ];
  const BY_ORDER = `query($o: ID!) { messagesByOrder(orderId: $o) { id customerId message } }`;
  const BY_RESERVATION = `query($r: ID!) { messagesByReservation(reservationId: $r) { id customerId message } }`;
  let orderId: string;
  let reservationId: string;
  const OWNER = `c-owner-${randomUUID()}`;

  beforeAll(async () => {
    const order = await placed({ customerId: OWNER });
    orderId = order.data.orderId;
    await settled(orderId, 4);
    const r = reservation(OWNER);
    reservationId = r.reservationId;
    await told.confirmed(r);
    await settled(reservationId, 4, 'RESERVATION');
  });

  test('messagesByCustomer and customerMessages: the signed-in customer’s own, nobody else’s', async () => {
    const other = `c-other-${randomUUID()}`;
    await settled((await placed({ customerId: other })).data.orderId, 4);
    const mine = await subgraphGql(url(), `{ messagesByCustomer { customerId orderId } customerMessages { customerId subjectId } }`, undefined, { actor: as.customer(OWNER) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.messagesByCustomer).toEqual(Array(4).fill({ customerId: OWNER, orderId }));
    expect(mine.data.customerMessages.map((m: any) => `${m.customerId} ${m.subjectId}`).sort()).toEqual(
      [...Array(4).fill(`${OWNER} ${orderId}`), ...Array(4).fill(`${OWNER} ${reservationId}`)].sort(),
    );
    expect(JSON.stringify(mine)).not.toContain(other);
  });

  test('messagesByCustomer and customerMessages take no customer id: asking for another customer’s is a validation error', async () => {
    for (const field of ['messagesByCustomer', 'customerMessages']) {
      const r = await subgraphGql(url(), `{ ${field}(customerId: "${OWNER}") { id } }`, undefined, { actor: as.customer('c-intruder') });
      expect(r.data).toBeUndefined();
      expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  test.each(notCustomers)('messagesByCustomer and customerMessages by %s are FORBIDDEN', async (_n, actor) => {
    for (const field of ['messagesByCustomer', 'customerMessages']) {
      const r = await subgraphGql(url(), `{ ${field} { id } }`, undefined, { actor });
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  test('messagesByOrder and messagesByReservation: their customer and an admin see them', async () => {
    for (const actor of [as.customer(OWNER), as.admin()]) {
      const byOrder = await subgraphGql(url(), BY_ORDER, { o: orderId }, { actor });
      expect(byOrder.errors).toBeUndefined();
      expect(byOrder.data.messagesByOrder).toHaveLength(4);
      expect(byOrder.data.messagesByOrder.every((m: any) => m.customerId === OWNER)).toBe(true);
      const byReservation = await subgraphGql(url(), BY_RESERVATION, { r: reservationId }, { actor });
      expect(byReservation.errors).toBeUndefined();
      expect(byReservation.data.messagesByReservation).toHaveLength(4);
    }
  });

  test.each(othersThanOwnerOrAdmin)('messagesByOrder and messagesByReservation of someone else’s, asked by %s, are FORBIDDEN with nothing shown', async (_n, actor) => {
    const byOrder = await subgraphGql(url(), BY_ORDER, { o: orderId }, { actor });
    expect(byOrder.data).toBeNull();
    expect(byOrder.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byReservation = await subgraphGql(url(), BY_RESERVATION, { r: reservationId }, { actor });
    expect(byReservation.data).toBeNull();
    expect(byReservation.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify([byOrder, byReservation])).not.toContain(OWNER);
  });

  test('messagesByOrder and messagesByReservation with no messages (yet) are [] for a customer', async () => {
    const q = await subgraphGql(url(), `{ messagesByOrder(orderId: "no-such-order") { id } messagesByReservation(reservationId: "no-such-reservation") { id } }`, undefined, {
      actor: as.customer('c-intruder'),
    });
    expect(q).toEqual({ data: { messagesByOrder: [], messagesByReservation: [] } });
  });

  test('every root field without an actor is UNAUTHENTICATED', async () => {
    for (const [query, variables] of [
      [`{ messagesByCustomer { id } }`, undefined],
      [`{ customerMessages { id } }`, undefined],
      [BY_ORDER, { o: orderId }],
      [BY_RESERVATION, { r: reservationId }],
    ] as const) {
      const r = await subgraphGql(url(), query, variables, { actor: null });
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describeRouterOnlyAccess('notification', url);
