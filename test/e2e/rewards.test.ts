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
const MISSIONS = `query($c: ID!) { myMissions(customerId: $c) { id kind title progress target status rewardPoints rewardId telegramStatus telegramMessageId } }`;
const WALLET = `query($c: ID!) { wallet(customerId: $c) { points } }`;

test('three paid orders complete a mission: reward, points, the Telegram message (log channel) sent and recorded, all in the mission view; the points buy a gift that is used and told', async () => {
  const c = 'c-gamer';
  for (let i = 0; i < 3; i++) {
    const r = await stack.gql(PLACE, { i: { customerId: c, productId: 'donut', qty: 1 } });
    expect(r.errors).toBeUndefined();
    expect(r.data.placeOrder.status).toBe('PAID');
  }

  const mission = await waitFor(async () => {
    const r = await stack.gql(MISSIONS, { c });
    return r.data?.myMissions?.find((m: any) => m.kind === 'THREE_ORDERS' && m.status === 'COMPLETED');
  }, 'the mission to complete', SAGA_WAIT_MS);
  expect(mission).toMatchObject({ title: 'Place 3 orders', progress: 3, target: 3, rewardPoints: 300 });
  expect(mission.rewardId).toEqual(expect.any(String));
  // Donuts are no pizza.
  expect((await stack.gql(MISSIONS, { c })).data.myMissions.find((m: any) => m.kind === 'FIRST_PIZZA')).toMatchObject({ progress: 0, status: 'IN_PROGRESS', rewardId: null });
  expect((await stack.gql(WALLET, { c })).data.wallet).toEqual({ points: 300 });

  // The saga's end: notification sent the message (log channel) and said so; the mission recorded it.
  const told = await waitFor(async () => {
    const r = await stack.gql(MISSIONS, { c });
    return r.data?.myMissions?.find((m: any) => m.id === mission.id && m.telegramStatus === 'SENT');
  }, 'the mission to record its message as sent', SAGA_WAIT_MS);
  expect(told.telegramMessageId).toEqual(expect.any(String));
  const messages = await stack.gql(`query($c: ID!) { customerMessages(customerId: $c) { __typename id deliveryStatus channel message ... on RequestedMessage { requestId } } }`, { c });
  expect(messages.errors).toBeUndefined();
  expect(messages.data.customerMessages.filter((m: any) => m.__typename === 'RequestedMessage')).toEqual([
    { __typename: 'RequestedMessage', id: told.telegramMessageId, requestId: mission.id, deliveryStatus: 'SENT', channel: 'LOG', message: 'Mission complete: Place 3 orders. 300 points are in your wallet.' },
  ]);

  const catalog = await stack.gql(`{ giftCatalog { giftId name cost } }`);
  expect(catalog.data.giftCatalog).toEqual(expect.arrayContaining([{ giftId: 'pizza-discount', name: '5000 off your next pizza', cost: 300 }]));
  const exchanged = await stack.gql(`mutation($c: ID!, $g: ID!) { exchangeGift(customerId: $c, giftId: $g) { id giftId status cost } }`, { c, g: 'pizza-discount' });
  expect(exchanged.errors).toBeUndefined();
  expect(exchanged.data.exchangeGift).toMatchObject({ giftId: 'pizza-discount', status: 'OWNED', cost: 300 });
  expect((await stack.gql(WALLET, { c })).data.wallet).toEqual({ points: 0 });
  const broke = await stack.gql(`mutation($c: ID!) { exchangeGift(customerId: $c, giftId: "coffee") { id } }`, { c });
  expect(broke.errors?.[0].extensions?.code).toBe('INSUFFICIENT_POINTS');

  // Using it calls notification synchronously: it took the message at once.
  const giftId = exchanged.data.exchangeGift.id;
  const used = await stack.gql(`mutation($id: ID!) { useGift(id: $id) { id status usedAt telegramStatus } }`, { id: giftId });
  expect(used.errors).toBeUndefined();
  expect(used.data.useGift).toMatchObject({ id: giftId, status: 'USED', usedAt: expect.any(String), telegramStatus: 'REQUESTED' });
  const gift = await waitFor(async () => {
    const r = await stack.gql(`query($c: ID!) { giftsByCustomer(customerId: $c) { id status telegramStatus } }`, { c });
    return r.data?.giftsByCustomer?.find((g: any) => g.telegramStatus === 'SENT');
  }, 'the gift message to be sent', SAGA_WAIT_MS);
  expect(gift).toEqual({ id: giftId, status: 'USED', telegramStatus: 'SENT' });
});
