// Idempotency keys on requestReservation, receiveStock and exchangeGift, and the product
// rules (only a library's books are rentable and stocked), through the router, on the
// seeded catalog, against real nats-server and PostgreSQL.
import { pruneKeys } from '../../platform/idempotency';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';
import { ReservationRequested } from '../../subgraphs/rental/contracts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'inventory', 'rental', 'rewards'] });
  // The seed's ProductAdded events (with the store's kind) reach the consumers' copies.
  await waitFor(async () => (await stack.services.rental!.db.catalogProduct.count({ where: { storeKind: { not: null } } })) >= 16, 'rental to learn the catalog');
  await waitFor(async () => (await stack.services.inventory!.db.catalogProduct.count({ where: { storeKind: { not: null } } })) >= 16, 'inventory to learn the catalog');
}, 60_000);
afterAll(() => stack?.close());

const REQUEST = `mutation($p: ID!) { requestReservation(input: { productId: $p }) { id status product { id } } }`;
const RECEIVE = `mutation($p: ID!, $q: Int!) { receiveStock(productId: $p, qty: $q) { productId onHand } }`;
const EXCHANGE = `mutation($g: ID!) { exchangeGift(giftId: $g) { id giftId status } }`;
const key = (k: string) => ({ 'Idempotency-Key': k });

describe('what a product may be used for (the store kind: only a library lends and stocks)', () => {
  test.each(['cake', 'pepperoniPizza', 'book-10'])('requestReservation(%s) → PRODUCT_NOT_RENTABLE, nothing written', async (productId) => {
    const before = await stack.services.rental!.db.reservation.count();
    const res = await stack.customer('c-rules').gql(REQUEST, { p: productId });
    expect(res.data?.requestReservation ?? null).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'PRODUCT_NOT_RENTABLE', productId });
    expect(await stack.services.rental!.db.reservation.count()).toBe(before);
  });

  test.each(['cake', 'cheesePizza', 'book-101'])('receiveStock(%s) → PRODUCT_NOT_STOCKED, nothing written', async (productId) => {
    const res = await stack.stockManager().gql(RECEIVE, { p: productId, q: 5 });
    expect(res.data?.receiveStock ?? null).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'PRODUCT_NOT_STOCKED', productId });
    expect(await stack.services.inventory!.db.stockMovement.count({ where: { productId } })).toBe(0);
  });

  test("a library's book is rentable and stocked", async () => {
    expect((await stack.stockManager().gql(RECEIVE, { p: 'book-sapiens', q: 1 })).data.receiveStock).toMatchObject({ productId: 'book-sapiens' });
    expect((await stack.customer('c-rules').gql(REQUEST, { p: 'book-sapiens' })).data.requestReservation.status).toBe('REQUESTED');
  });
});

describe('Idempotency-Key', () => {
  test('requestReservation: a retry answers the same reservation; ten concurrent → one; another input → IDEMPOTENCY_KEY_REUSED', async () => {
    const c = stack.customer('c-res-key');
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.gql(REQUEST, { p: 'book-dune' }, key('res-1'))));
    for (const a of answers) expect(a.errors).toBeUndefined();
    expect(new Set(answers.map((a) => a.data.requestReservation.id)).size).toBe(1);
    const retry = await c.gql(REQUEST, { p: 'book-dune' }, key('res-1'));
    expect(retry.data.requestReservation.id).toBe(answers[0].data.requestReservation.id);
    const rental = stack.services.rental!.db;
    expect(await rental.reservation.count({ where: { customerId: 'c-res-key' } })).toBe(1);
    // One ReservationRequested (inventory's answer may already have added a ReservationConfirmed/Failed: not counted).
    expect(await rental.outboxEvent.count({ where: { correlationId: retry.data.requestReservation.id, subject: ReservationRequested.subject } })).toBe(1);

    const other = await c.gql(REQUEST, { p: 'book-hobbit' }, key('res-1'));
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' });
    expect(await rental.reservation.count({ where: { customerId: 'c-res-key' } })).toBe(1);
  });

  test('receiveStock: ten concurrent with one key add the copies once; the retry answers the stock now', async () => {
    const m = stack.stockManager();
    const answers = await Promise.all(Array.from({ length: 10 }, () => m.gql(RECEIVE, { p: 'book-1984', q: 7 }, key('delivery-note-42'))));
    for (const a of answers) expect(a.errors).toBeUndefined();
    const inventory = stack.services.inventory!.db;
    expect(await inventory.stockMovement.count({ where: { productId: 'book-1984', kind: 'RECEIVED' } })).toBe(1);
    expect((await inventory.stock.findUniqueOrThrow({ where: { productId: 'book-1984' } })).onHand).toBe(7);
    // Without a key, as before: every call adds.
    await m.gql(RECEIVE, { p: 'book-1984', q: 1 });
    const retry = await m.gql(RECEIVE, { p: 'book-1984', q: 7 }, key('delivery-note-42'));
    expect(retry.data.receiveStock).toEqual({ productId: 'book-1984', onHand: 8 });
    expect(await inventory.stockMovement.count({ where: { productId: 'book-1984', kind: 'RECEIVED' } })).toBe(2);
    // Keys are the caller's: an admin's key of the same name is another key.
    const admin = await stack.admin().gql(RECEIVE, { p: 'book-1984', q: 7 }, key('delivery-note-42'));
    expect(admin.data.receiveStock.onHand).toBe(15);
  });

  test('exchangeGift: ten concurrent with one key spend the points once; a refusal (too few points) keeps the key free', async () => {
    const rewards = stack.services.rewards!.db;
    await rewards.wallet.create({ data: { customerId: 'c-gift-key', points: 50 } });
    const c = stack.customer('c-gift-key');
    const poor = await c.gql(EXCHANGE, { g: 'coffee' }, key('gift-1'));
    expect(poor.errors?.[0].extensions?.code).toBe('INSUFFICIENT_POINTS');

    await rewards.wallet.update({ where: { customerId: 'c-gift-key' }, data: { points: 250 } });
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.gql(EXCHANGE, { g: 'coffee' }, key('gift-1'))));
    for (const a of answers) expect(a.errors).toBeUndefined();
    expect(new Set(answers.map((a) => a.data.exchangeGift.id)).size).toBe(1);
    expect((await rewards.wallet.findUniqueOrThrow({ where: { customerId: 'c-gift-key' } })).points).toBe(150);
    expect(await rewards.gift.count({ where: { customerId: 'c-gift-key' } })).toBe(1);
    const reused = await c.gql(EXCHANGE, { g: 'free-donut' }, key('gift-1'));
    expect(reused.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await rewards.wallet.findUniqueOrThrow({ where: { customerId: 'c-gift-key' } })).points).toBe(150);
  });

  test('keys are kept for the retention window, then pruned: the same key is then a new request', async () => {
    const rental = stack.services.rental!.db;
    const c = stack.customer('c-prune');
    const first = await c.gql(REQUEST, { p: 'book-little-prince' }, key('prune-1'));
    const day = 24 * 3_600_000;
    expect(await pruneKeys(rental, day)).toBe(0);
    // A day later (as the pruner sees it), the record is gone.
    expect(await pruneKeys(rental, day, new Date(Date.now() + day + 60_000))).toBeGreaterThanOrEqual(1);
    const later = await c.gql(REQUEST, { p: 'book-little-prince' }, key('prune-1'));
    expect(later.data.requestReservation.id).not.toBe(first.data.requestReservation.id);
  });
});
