// The rewards subgraph alone: ordering's OrderPlaced arrives on ordering's stream as its relay
// would publish it; notification is a stand-in HTTP server answering `POST /internal/messages`,
// which the tests stop and start again. Real PostgreSQL and nats-server.
import { createServer, type Server } from 'node:http';
import type { Actor } from '../../platform/auth';
import { parseEvent, type EventData } from '../../platform/events';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { sampleOrderPlaced } from '../../test/support/fixtures';
import { freePort, waitFor } from '../../test/support/ports';
import { outboxOf, SAGA_WAIT_MS } from '../../test/support/saga';
import { startStack, subgraphGql, type GraphQLResponse, type Stack } from '../../test/support/stack';
import { MessageSent } from '../notification/contracts';
import { OrderPlaced } from '../ordering/contracts';
import { GiftExchanged, GiftUsed, MissionCompleted, MissionUpdated, RewardGranted } from './contracts';
import type { RewardsDb } from './db';

/** A stand-in for notification's internal endpoint that can be stopped and started on the same port. */
class FakeNotification {
  requests: Array<{ path: string; token: unknown; body: any }> = [];
  private server?: Server;
  private seq = 0;
  /** How long each answer takes (a slow notification). */
  delayMs = 0;
  constructor(readonly port: number) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', token: req.headers['x-ordergraph-internal-token'], body: JSON.parse(text) });
        setTimeout(() => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ messageId: `msg-${++this.seq}` }));
        }, this.delayMs);
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  }
}

let stack: Stack;
let db: RewardsDb;
let notification: FakeNotification;
const url = () => stack.services.rewards!.url;

beforeAll(async () => {
  notification = new FakeNotification(await freePort());
  await notification.start();
  stack = await startStack({
    contexts: ['rewards'],
    router: false,
    env: { NOTIFICATION_URL: notification.url, REWARDS_MESSAGE_POLL_MS: '200', REWARDS_NOTIFY_RESET_MS: '500', REWARDS_NOTIFY_TIMEOUT_MS: '1000' },
  });
  db = stack.services.rewards!.db;
});
afterAll(async () => {
  await stack?.close();
  await notification?.stop();
});

describeRouterOnlyAccess('rewards', url);
test('serves its schema.graphql', () => expectServesSchemaFile(url(), 'rewards'));

async function placed(overrides: Partial<EventData<typeof OrderPlaced>>) {
  const data = sampleOrderPlaced(overrides);
  const env = await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
  await waitFor(() => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: 'rewards--order-placed', eventId: env.id } } }), `rewards to count ${data.orderId}`, SAGA_WAIT_MS);
  return { data, env };
}

const MISSIONS = `{ myMissions { id kind title progress target status rewardPoints rewardId telegramMessageId telegramStatus completedAt } }`;
const WALLET = `{ wallet { customerId points } }`;
const GIFTS = `{ myGifts { id customerId giftId status } }`;
const CATALOG = `{ giftCatalog { giftId name cost } }`;
const EXCHANGE = `mutation($g: ID!) { exchangeGift(giftId: $g) { id customerId giftId name cost status telegramStatus } }`;
const USE = `mutation($id: ID!) { useGift(id: $id) { id status telegramStatus telegramMessageId usedAt } }`;

/** GraphQL straight to rewards as the router would send it for this actor (null: none). */
const gqlAs = <T = any>(actor: Actor | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
  subgraphGql<T>(url(), query, variables, { actor });
/** The same as the signed-in customer `c`. */
const asCustomer = <T = any>(c: string, query: string, variables?: Record<string, unknown>) => gqlAs<T>(as.customer(c), query, variables);

describe('missions move on paid orders', () => {
  test('three paid orders complete "place 3 orders": reward in the wallet, the message asked of notification, its MessageSent recorded; every event keyed by the mission id', async () => {
    const c = 'c-three';
    await placed({ customerId: c });
    await placed({ customerId: c });
    // The mission page follows MissionUpdated events: eventually.
    let r = await waitFor(async () => {
      const a = await asCustomer(c, MISSIONS);
      return a.data?.myMissions?.length === 2 && a.data.myMissions[0].progress === 2 ? a : null;
    }, 'the mission page to show progress 2', SAGA_WAIT_MS);
    expect(r.data.myMissions).toEqual([
      expect.objectContaining({ kind: 'THREE_ORDERS', progress: 2, target: 3, status: 'IN_PROGRESS', rewardId: null, telegramStatus: 'NONE' }),
      expect.objectContaining({ kind: 'FIRST_PIZZA', progress: 0, target: 1, status: 'IN_PROGRESS' }),
    ]);
    const { env } = await placed({ customerId: c });

    const mission = await db.mission.findUniqueOrThrow({ where: { customerId_kind: { customerId: c, kind: 'THREE_ORDERS' } } });
    expect(mission).toMatchObject({ status: 'COMPLETED', progress: 3 });
    const reward = await db.reward.findUniqueOrThrow({ where: { missionId: mission.id } });
    expect(reward).toMatchObject({ id: mission.rewardId, customerId: c, points: 300 });
    expect((await asCustomer(c, WALLET)).data.wallet).toEqual({ customerId: c, points: 300 });

    // Notification is asked, with the mission id as correlation key, and the mission records that it took it.
    const requested = await waitFor(
      async () => {
        const m = await db.mission.findUniqueOrThrow({ where: { id: mission.id } });
        return m.messageStatus === 'REQUESTED' ? m : null;
      },
      'notification to take the mission message',
      SAGA_WAIT_MS,
    );
    const asked = notification.requests.filter((q) => q.body.correlationId === mission.id);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ path: '/internal/messages', token: 'dev-only-internal-token-change-me', body: { customerId: c, source: 'rewards' } });
    expect(asked[0].body.text).toContain('Place 3 orders');

    // Notification sent it (on two channels): its MessageSent, told twice for each, moves the mission to SENT once.
    for (const channel of ['LOG', 'TELEGRAM'] as const) {
      for (let i = 0; i < 2; i++) {
        const sentEnv = await publishEvent(
          stack.nats.url,
          MessageSent,
          { messageId: `${requested.messageId}-${channel}`, requestId: mission.id, customerId: c, status: 'REQUESTED', channel, attempts: 1, sentAt: new Date().toISOString() },
          { correlationId: mission.id, causationId: `rewards:${mission.id}` },
        );
        await waitFor(() => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: 'rewards--message-sent', eventId: sentEnv.id } } }), 'MessageSent to be handled', SAGA_WAIT_MS);
      }
    }
    const sent = await db.mission.findUniqueOrThrow({ where: { id: mission.id } });
    expect(sent).toMatchObject({ messageStatus: 'SENT', messageId: requested.messageId, version: requested.version + 1 });

    const events = await outboxOf(db, mission.id);
    const subjects = events.map((e) => e.subject);
    // Created, progress 1, progress 2, then completion + reward + update, then notification took the message, then it went out.
    expect(subjects).toEqual([
      MissionUpdated.subject,
      MissionUpdated.subject,
      MissionUpdated.subject,
      MissionCompleted.subject,
      RewardGranted.subject,
      MissionUpdated.subject,
      MissionUpdated.subject,
      MissionUpdated.subject,
    ]);
    expect(parseEvent(RewardGranted, events[4].payload)).toMatchObject({ correlationId: mission.id, causationId: env.id, data: { rewardId: reward.id, missionId: mission.id, points: 300 } });
    expect(events.filter((e) => e.subject === MissionUpdated.subject).map((e) => parseEvent(MissionUpdated, e.payload)).map((e) => [e.data.version, e.data.progress, e.data.messageStatus])).toEqual([
      [1, 0, 'NONE'],
      [2, 1, 'NONE'],
      [3, 2, 'NONE'],
      [4, 3, 'QUEUED'],
      [5, 3, 'REQUESTED'],
      [6, 3, 'SENT'],
    ]);
    const last = parseEvent(MissionUpdated, events[7].payload);
    expect(last).toMatchObject({ correlationId: mission.id, data: { status: 'COMPLETED', rewardId: reward.id, messageStatus: 'SENT', messageId: sent.messageId, version: sent.version } });

    r = await waitFor(async () => {
      const a = await asCustomer(c, MISSIONS);
      return a.data?.myMissions?.[0]?.telegramStatus === 'SENT' ? a : null;
    }, 'the mission page to show the message sent', SAGA_WAIT_MS);
    expect(r.data.myMissions[0]).toMatchObject({ id: mission.id, status: 'COMPLETED', rewardId: reward.id, telegramStatus: 'SENT', telegramMessageId: sent.messageId });
  });

  test('the same order told twice counts once; a pizza completes "first pizza"', async () => {
    const c = 'c-pizza';
    const { data } = await placed({ customerId: c, productId: 'cheesePizza', productName: 'cheese pizza', storeId: 'mario-pizzeria' });
    await placed({ ...data }); // a republished OrderPlaced: a new envelope id, the same order
    const missions = await db.mission.findMany({ where: { customerId: c }, orderBy: { kind: 'asc' } });
    expect(missions.map((m) => [m.kind, m.progress, m.status])).toEqual([
      ['THREE_ORDERS', 1, 'IN_PROGRESS'],
      ['FIRST_PIZZA', 1, 'COMPLETED'],
    ]);
    expect(await db.reward.count({ where: { customerId: c } })).toBe(1);
    expect((await db.wallet.findUniqueOrThrow({ where: { customerId: c } })).points).toBe(100);
  });
});

describe('gifts', () => {
  test('bad input, an unknown gift and too few points are coded errors; nothing is written', async () => {
    const before = await db.gift.count();
    const blank = await asCustomer('c-poor', EXCHANGE, { g: ' ' });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'giftId' });
    const unknown = await asCustomer('c-poor', EXCHANGE, { g: 'yacht' });
    expect(unknown.errors?.[0].extensions?.code).toBe('GIFT_NOT_FOUND');
    const poor = await asCustomer('c-poor', EXCHANGE, { g: 'coffee' });
    expect(poor.errors?.[0]).toMatchObject({ extensions: { code: 'INSUFFICIENT_POINTS', cost: 100, points: 0 } });
    const useBlank = await asCustomer('c-poor', USE, { id: '' });
    expect(useBlank.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const useUnknown = await asCustomer('c-poor', USE, { id: 'no-such-gift' });
    expect(useUnknown.errors?.[0].extensions?.code).toBe('GIFT_NOT_FOUND');
    expect(await db.gift.count()).toBe(before);
    expect(await db.wallet.findUnique({ where: { customerId: 'c-poor' } })).toBeNull();
  });

  test('20 concurrent exchanges of a 100-point gift with 300 points: exactly 3 succeed, the wallet ends at 0', async () => {
    const c = 'c-rush';
    await db.wallet.create({ data: { customerId: c, points: 300 } });
    const answers = await Promise.all(Array.from({ length: 20 }, () => asCustomer(c, EXCHANGE, { g: 'coffee' })));
    const ok = answers.filter((a) => !a.errors);
    expect(ok).toHaveLength(3);
    expect(answers.filter((a) => a.errors).map((a) => a.errors![0].extensions?.code)).toEqual(Array(17).fill('INSUFFICIENT_POINTS'));
    expect((await db.wallet.findUniqueOrThrow({ where: { customerId: c } })).points).toBe(0);
    const gifts = await db.gift.findMany({ where: { customerId: c } });
    expect(gifts).toHaveLength(3);
    for (const g of gifts) {
      const events = await outboxOf(db, g.id);
      expect(events.map((e) => e.subject)).toEqual([GiftExchanged.subject]);
    }
    const balances = (await Promise.all(gifts.map(async (g) => parseEvent(GiftExchanged, (await outboxOf(db, g.id))[0].payload).data.balance))).sort();
    expect(balances).toEqual([0, 100, 200]);
  });

  test('using a gift asks notification synchronously; a second use is GIFT_ALREADY_USED', async () => {
    const c = 'c-use';
    await db.wallet.create({ data: { customerId: c, points: 150 } });
    const gift = (await asCustomer(c, EXCHANGE, { g: 'free-donut' })).data.exchangeGift;
    expect(gift).toMatchObject({ customerId: c, giftId: 'free-donut', cost: 150, status: 'OWNED', telegramStatus: 'NONE' });
    const used = await asCustomer(c, USE, { id: gift.id });
    expect(used.errors).toBeUndefined();
    expect(used.data.useGift).toMatchObject({ id: gift.id, status: 'USED', telegramStatus: 'REQUESTED', telegramMessageId: expect.stringMatching(/^msg-/) });
    expect(notification.requests.filter((q) => q.body.correlationId === gift.id)).toEqual([
      expect.objectContaining({ body: expect.objectContaining({ customerId: c, source: 'rewards', text: expect.stringContaining('Free donut') }) }),
    ]);
    expect((await outboxOf(db, gift.id)).map((e) => e.subject)).toEqual([GiftExchanged.subject, GiftUsed.subject]);
    const again = await asCustomer(c, USE, { id: gift.id });
    expect(again.errors?.[0].extensions?.code).toBe('GIFT_ALREADY_USED');
  });

  test('with notification stopped the gift use still succeeds, its message QUEUED, and handed over once notification is back', async () => {
    const c = 'c-down';
    await db.wallet.create({ data: { customerId: c, points: 200 } });
    const first = (await asCustomer(c, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    const second = (await asCustomer(c, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    await notification.stop();
    try {
      for (const g of [first, second]) {
        const used = await asCustomer(c, USE, { id: g.id });
        expect(used.errors).toBeUndefined();
        expect(used.data.useGift).toMatchObject({ id: g.id, status: 'USED', telegramStatus: 'QUEUED', telegramMessageId: null });
      }
      expect(await db.outgoingMessage.count({ where: { subjectId: { in: [first.id, second.id] }, status: 'QUEUED' } })).toBe(2);
    } finally {
      await notification.start();
    }
    // The retry loop sends what waited, each once.
    for (const g of [first, second]) {
      await waitFor(async () => (await db.gift.findUniqueOrThrow({ where: { id: g.id } })).messageStatus === 'REQUESTED', `gift ${g.id} message to be taken by notification`, SAGA_WAIT_MS);
      expect(notification.requests.filter((q) => q.body.correlationId === g.id)).toHaveLength(1);
    }
  });

  test('one pending call at a time (breaker capacity 1): of two concurrent uses one is sent at once, the other queued and sent by the retry loop', async () => {
    const c = 'c-capacity';
    await db.wallet.create({ data: { customerId: c, points: 200 } });
    const a = (await asCustomer(c, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    const b = (await asCustomer(c, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    notification.delayMs = 400;
    try {
      const answers = await Promise.all([a, b].map((g) => asCustomer(c, USE, { id: g.id })));
      for (const r of answers) expect(r.errors).toBeUndefined();
      expect(answers.map((r) => r.data.useGift.telegramStatus).sort()).toEqual(['QUEUED', 'REQUESTED']);
      // Only one call reached notification while the other was pending.
      expect(notification.requests.filter((q) => [a.id, b.id].includes(q.body.correlationId))).toHaveLength(1);
    } finally {
      notification.delayMs = 0;
    }
    for (const g of [a, b]) {
      await waitFor(async () => (await db.gift.findUniqueOrThrow({ where: { id: g.id } })).messageStatus === 'REQUESTED', `gift ${g.id} message to be taken by notification`, SAGA_WAIT_MS);
    }
    expect(notification.requests.filter((q) => [a.id, b.id].includes(q.body.correlationId))).toHaveLength(2);
  });
});

describe('authorization: a customer\'s own missions, wallet and gifts; the catalog for anyone signed in', () => {
  const NOT_CUSTOMERS: Array<[string, Actor]> = [
    ['admin', as.admin()],
    ['store staff', as.staff('mario-pizzeria')],
    ['courier', as.courier()],
    ['stock manager', as.stockManager()],
  ];
  const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

  test.each([
    ['myMissions', MISSIONS, undefined],
    ['wallet', WALLET, undefined],
    ['giftCatalog', CATALOG, undefined],
    ['myGifts', GIFTS, undefined],
    ['exchangeGift', EXCHANGE, { g: 'coffee' }],
    ['useGift', USE, { id: 'no-such-gift' }],
  ])('%s without an actor is UNAUTHENTICATED, with no data', async (_field, query, variables) => {
    const r = await gqlAs(null, query, variables);
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
    expect(r.data ?? null).toBeNull();
  });

  test('giftCatalog answers every role', async () => {
    for (const actor of [as.customer('c-any'), ...NOT_CUSTOMERS.map(([, a]) => a)]) {
      const r = await gqlAs(actor, CATALOG);
      expect(r.errors).toBeUndefined();
      expect(r.data.giftCatalog).toEqual(expect.arrayContaining([{ giftId: 'coffee', name: expect.any(String), cost: 100 }]));
    }
  });

  test.each(NOT_CUSTOMERS)('%s is FORBIDDEN every customer field and writes nothing', async (_who, actor) => {
    const gifts = await db.gift.count();
    const wallets = await db.wallet.count();
    for (const [query, variables] of [[MISSIONS], [WALLET], [GIFTS], [EXCHANGE, { g: 'coffee' }], [USE, { id: 'no-such-gift' }]] as const) {
      const r = await gqlAs(actor, query, variables);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data ?? null).toBeNull();
    }
    expect(await db.gift.count()).toBe(gifts);
    expect(await db.wallet.count()).toBe(wallets);
  });

  test('each customer sees and spends only their own: missions, wallet and gifts come from the token', async () => {
    const [a, b] = ['c-auth-a', 'c-auth-b'];
    await placed({ customerId: a });
    await db.wallet.upsert({ where: { customerId: a }, create: { customerId: a, points: 250 }, update: { points: 250 } });
    const gift = (await asCustomer(a, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    expect(gift).toMatchObject({ customerId: a, status: 'OWNED' });

    const missionsOfA = await waitFor(async () => {
      const r = await asCustomer(a, MISSIONS);
      return r.data?.myMissions?.length === 2 ? r.data.myMissions : null;
    }, 'the mission page of a', SAGA_WAIT_MS);
    expect(missionsOfA.map((m: any) => m.id)).toEqual(
      (await db.missionView.findMany({ where: { customerId: a }, orderBy: { kind: 'asc' } })).map((m) => m.missionId),
    );
    expect((await asCustomer(a, WALLET)).data.wallet).toEqual({ customerId: a, points: 150 });
    expect((await asCustomer(a, GIFTS)).data.myGifts).toEqual([{ id: gift.id, customerId: a, giftId: 'coffee', status: 'OWNED' }]);

    // b has none of it, and cannot reach a's by asking: the API takes no customer id.
    expect(await asCustomer(b, MISSIONS)).toEqual({ data: { myMissions: [] } });
    expect(await asCustomer(b, WALLET)).toEqual({ data: { wallet: { customerId: b, points: 0 } } });
    expect(await asCustomer(b, GIFTS)).toEqual({ data: { myGifts: [] } });
    const spendA = await asCustomer(b, EXCHANGE, { g: 'coffee' });
    expect(codeOf(spendA)).toBe('INSUFFICIENT_POINTS');
    expect((await db.wallet.findUniqueOrThrow({ where: { customerId: a } })).points).toBe(150);
    const named = await asCustomer(b, `query($c: ID!) { wallet(customerId: $c) { points } }`, { c: a });
    expect(codeOf(named)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(named.data).toBeUndefined();
  });

  test('useGift: only the gift\'s customer; another customer or an admin is FORBIDDEN and the gift stays unused, nothing sent', async () => {
    const [owner, other] = ['c-gift-owner', 'c-gift-other'];
    await db.wallet.create({ data: { customerId: owner, points: 100 } });
    const gift = (await asCustomer(owner, EXCHANGE, { g: 'coffee' })).data.exchangeGift;
    for (const actor of [as.customer(other), as.admin(), as.staff('sunrise-bakery')]) {
      const r = await gqlAs(actor, USE, { id: gift.id });
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
      expect(JSON.stringify(r.errors)).not.toContain(owner);
    }
    expect(await db.gift.findUniqueOrThrow({ where: { id: gift.id } })).toMatchObject({ status: 'OWNED', usedAt: null, messageStatus: 'NONE' });
    expect(await db.outgoingMessage.count({ where: { subjectId: gift.id } })).toBe(0);
    expect((await outboxOf(db, gift.id)).map((e) => e.subject)).toEqual([GiftExchanged.subject]);
    expect(notification.requests.filter((q) => q.body.correlationId === gift.id)).toEqual([]);

    const used = await asCustomer(owner, USE, { id: gift.id });
    expect(used.errors).toBeUndefined();
    expect(used.data.useGift).toMatchObject({ id: gift.id, status: 'USED' });
  });
});
