// Rewards' authorization through the router: missions, wallet and gifts are the signed-in
// customer's own (no customer id in the API), a gift is used only by its customer, the gift
// catalog is open to anyone signed in, and no token is HTTP 401.
// Real nats-server, real PostgreSQL; rewards and notification (which rewards tells of a used gift).
import type { GraphQLResponse } from '../support/stack';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contexts: ['rewards', 'notification'] });
});
afterAll(() => stack?.close());

const MISSIONS = `{ myMissions { id customerId } }`;
const WALLET = `{ wallet { customerId points } }`;
const GIFTS = `{ myGifts { id customerId giftId status } }`;
const CATALOG = `{ giftCatalog { giftId cost } }`;
const EXCHANGE = `mutation($g: ID!) { exchangeGift(giftId: $g) { id customerId giftId status } }`;
const USE = `mutation($id: ID!) { useGift(id: $id) { id customerId status } }`;

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

/** A customer with points and one owned coffee gift (100 points), bought through the router. */
async function customerWithGift(c: string, points: number) {
  await stack.services.rewards!.db.wallet.create({ data: { customerId: c, points } });
  const r = await stack.customer(c).gql(EXCHANGE, { g: 'coffee' });
  expect(r.errors).toBeUndefined();
  return r.data.exchangeGift as { id: string; customerId: string };
}

test('without a token the router answers HTTP 401 UNAUTHENTICATED, with no data', async () => {
  const r = await stack.as(null).post(MISSIONS);
  expect(r.status).toBe(401);
  expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(r.body.data).toBeUndefined();
});

test('a customer cannot use, see or spend another customer\'s gifts and points', async () => {
  const gift = await customerWithGift('c-auth-alice', 250);
  const mallory = stack.customer('c-auth-mallory');

  // Alice's gift id, used by Mallory: FORBIDDEN, nothing of the gift in the answer, the gift untouched.
  const used = await mallory.gql(USE, { id: gift.id });
  expect(codeOf(used)).toBe('FORBIDDEN');
  expect(used.data).toBeNull();
  expect(JSON.stringify(used)).not.toContain('c-auth-alice');

  // Her own views hold none of Alice's data.
  expect(await mallory.gql(GIFTS)).toEqual({ data: { myGifts: [] } });
  expect(await mallory.gql(WALLET)).toEqual({ data: { wallet: { customerId: 'c-auth-mallory', points: 0 } } });
  expect(await mallory.gql(MISSIONS)).toEqual({ data: { myMissions: [] } });

  // Naming Alice is no longer possible: the customer id left the API.
  for (const q of [
    `{ myGifts(customerId: "c-auth-alice") { id } }`,
    `{ wallet(customerId: "c-auth-alice") { points } }`,
    `{ giftsByCustomer(customerId: "c-auth-alice") { id } }`,
    `mutation { exchangeGift(customerId: "c-auth-alice", giftId: "coffee") { id } }`,
  ]) {
    const r = await mallory.gql(q);
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.data).toBeUndefined();
  }

  // Alice still has her gift unused and her remaining points; and she can use it.
  const alice = stack.customer('c-auth-alice');
  expect((await alice.gql(GIFTS)).data.myGifts).toEqual([{ id: gift.id, customerId: 'c-auth-alice', giftId: 'coffee', status: 'OWNED' }]);
  expect((await alice.gql(WALLET)).data.wallet).toEqual({ customerId: 'c-auth-alice', points: 150 });
  const own = await alice.gql(USE, { id: gift.id });
  expect(own.errors).toBeUndefined();
  expect(own.data.useGift).toEqual({ id: gift.id, customerId: 'c-auth-alice', status: 'USED' });
});

test('store staff (of any store), a courier and an admin are refused the customer\'s fields; everyone signed in reads the catalog', async () => {
  const gift = await customerWithGift('c-auth-bob', 100);
  for (const who of [stack.staff('sunrise-bakery'), stack.staff('mario-pizzeria'), stack.courier(), stack.admin()]) {
    for (const [q, v] of [[MISSIONS], [WALLET], [GIFTS], [EXCHANGE, { g: 'coffee' }], [USE, { id: gift.id }]] as const) {
      const r = await who.gql(q, v);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
    const catalog = await who.gql(CATALOG);
    expect(catalog.errors).toBeUndefined();
    expect(catalog.data.giftCatalog).toEqual(expect.arrayContaining([{ giftId: 'coffee', cost: 100 }]));
  }
  // Bob's gift is still his and unused.
  expect((await stack.customer('c-auth-bob').gql(GIFTS)).data.myGifts).toEqual([{ id: gift.id, customerId: 'c-auth-bob', giftId: 'coffee', status: 'OWNED' }]);
});
