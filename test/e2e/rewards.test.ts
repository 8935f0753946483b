// Seed 003 (game) end to end through the router: paid orders move a customer's missions; a
// completed mission grants points and tells the customer; the points buy a gift, which is used.
// Real nats-server, real PostgreSQL, every context in-process.
import { waitFor } from '../support/ports';
import { SAGA_WAIT_MS } from '../support/saga';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { REWARDS_MESSAGE_POLL_MS: '200' } });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', SAGA_WAIT_MS);
});
afterAll(() => stack?.close());

const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }`;
const MISSIONS = `{ myMissions { id kind title progress target status rewardPoints rewardId telegramStatus telegramMessageId } }`;
const WALLET = `{ wallet { points } }`;

test('three paid orders complete a mission: reward, points, the Telegram message (log channel) sent and recorded, all in the mission view; the points buy a gift that is used and told', async () => {
  const c = 'c-gamer';
  // Every step is the customer's own, signed in as c: the customer id comes from the token.
  const me = stack.customer(c);
  for (let i = 0; i < 3; i++) {
    const r = await me.gql(PLACE, { i: { productId: 'donut', qty: 1 } });
    expect(r.errors).toBeUndefined();
    expect(r.data.placeOrder.status).toBe('PAID');
  }

  const mission = await waitFor(async () => {
    const r = await me.gql(MISSIONS);
    return r.data?.myMissions?.find((m: any) => m.kind === 'THREE_ORDERS' && m.status === 'COMPLETED');
  }, 'the mission to complete', SAGA_WAIT_MS);
  expect(mission).toMatchObject({ title: 'Place 3 orders', progress: 3, target: 3, rewardPoints: 300 });
  expect(mission.rewardId).toEqual(expect.any(String));
  // Donuts are no pizza.
  expect((await me.gql(MISSIONS)).data.myMissions.find((m: any) => m.kind === 'FIRST_PIZZA')).toMatchObject({ progress: 0, status: 'IN_PROGRESS', rewardId: null });
  expect((await me.gql(WALLET)).data.wallet).toEqual({ points: 300 });

  // The saga's end: notification sent the message (log channel) and said so; the mission recorded it.
  const told = await waitFor(async () => {
    const r = await me.gql(MISSIONS);
    return r.data?.myMissions?.find((m: any) => m.id === mission.id && m.telegramStatus === 'SENT');
  }, 'the mission to record its message as sent', SAGA_WAIT_MS);
  expect(told.telegramMessageId).toEqual(expect.any(String));
  const messages = await me.gql(`{ customerMessages { __typename id deliveryStatus channel message ... on RequestedMessage { requestId } } }`);
  expect(messages.errors).toBeUndefined();
  expect(messages.data.customerMessages.filter((m: any) => m.__typename === 'RequestedMessage')).toEqual([
    { __typename: 'RequestedMessage', id: told.telegramMessageId, requestId: mission.id, deliveryStatus: 'SENT', channel: 'LOG', message: 'Mission complete: Place 3 orders. 300 points are in your wallet.' },
  ]);

  const catalog = await me.gql(`{ giftCatalog { giftId name cost } }`);
  expect(catalog.data.giftCatalog).toEqual(expect.arrayContaining([{ giftId: 'pizza-discount', name: '5000 off your next pizza', cost: 300 }]));
  const exchanged = await me.gql(`mutation($g: ID!) { exchangeGift(giftId: $g) { id giftId status cost } }`, { g: 'pizza-discount' });
  expect(exchanged.errors).toBeUndefined();
  expect(exchanged.data.exchangeGift).toMatchObject({ giftId: 'pizza-discount', status: 'OWNED', cost: 300 });
  expect((await me.gql(WALLET)).data.wallet).toEqual({ points: 0 });
  const broke = await me.gql(`mutation { exchangeGift(giftId: "coffee") { id } }`);
  expect(broke.errors?.[0].extensions?.code).toBe('INSUFFICIENT_POINTS');

  // Using it calls notification synchronously: it took the message at once.
  const giftId = exchanged.data.exchangeGift.id;
  const used = await me.gql(`mutation($id: ID!) { useGift(id: $id) { id status usedAt telegramStatus } }`, { id: giftId });
  expect(used.errors).toBeUndefined();
  // Notification may have sent it, and rewards recorded that, before the answer is read back (the event path is that fast).
  expect(used.data.useGift).toMatchObject({ id: giftId, status: 'USED', usedAt: expect.any(String), telegramStatus: expect.stringMatching(/^(REQUESTED|SENT)$/) });
  const gift = await waitFor(async () => {
    const r = await me.gql(`{ myGifts { id status telegramStatus } }`);
    return r.data?.myGifts?.find((g: any) => g.telegramStatus === 'SENT');
  }, 'the gift message to be sent', SAGA_WAIT_MS);
  expect(gift).toEqual({ id: giftId, status: 'USED', telegramStatus: 'SENT' });
});
