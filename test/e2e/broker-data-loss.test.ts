// Self-healing when NATS loses its data (issue 12): nats-server is killed, its JetStream
// store wiped, and it comes back empty on the same port. Producers recreate their streams
// and publish what their outbox still holds, consumers recreate their durable consumers,
// and readiness says "not ready" while events cannot flow. An order placed while the broker
// was down and one placed after it came back both reach delivery, mypage and notification.
import { waitFor } from '../support/ports';
import { startStack, type ContextName, type Stack } from '../support/stack';

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const SEEN = `query($id: ID!) { order(id: $id) { id status delivery { status } messages { status } } }`;
const MYPAGE = `{ myOrders { orderId status } }`;
const WAIT_MS = 45_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', WAIT_MS);
}, 300_000);
afterAll(async () => {
  await stack?.close();
});

const ready = (name: ContextName | 'router') =>
  fetch(`http://127.0.0.1:${stack.ports[name]}/health/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } }));

async function place(customerId: string): Promise<string> {
  const r = await stack.customer(customerId).gql(PLACE, { input: { productId: 'donut', qty: 1 } });
  expect(r.errors).toBeUndefined();
  expect(r.data.placeOrder.status).toBe('PAID');
  return r.data.placeOrder.id;
}

/** The order has reached delivery (a delivery exists), notification (a message) and mypage (the customer's list). */
async function reachesEveryone(id: string, customerId: string): Promise<void> {
  await waitFor(
    async () => {
      const o = (await stack.gql(SEEN, { id })).data?.order;
      return o?.delivery && o.messages?.length > 0;
    },
    `order ${id} to reach delivery and notification`,
    WAIT_MS,
    250,
  );
  await waitFor(
    async () => ((await stack.customer(customerId).gql(MYPAGE)).data?.myOrders ?? []).some((v: { orderId: string }) => v.orderId === id),
    `order ${id} to reach mypage`,
    WAIT_MS,
    250,
  );
}

test('nats-server comes back with an empty store: streams and consumers are recreated and orders flow again', async () => {
  const before = await place('c-heal-before');
  await reachesEveryone(before, 'c-heal-before');
  expect((await ready('ordering')).status).toBe(200);

  await stack.nats.kill();
  // Events cannot flow: every context and the router say so.
  for (const name of ['ordering', 'delivery', 'notification', 'router'] as const) {
    const r = await waitFor(async () => {
      const x = await ready(name);
      return x.status === 503 ? x : null;
    }, `${name} to report not ready while NATS is down`);
    expect(r.body.checks.nats.ok).toBe(false);
  }
  // Still taken: the order and its event wait in ordering's outbox.
  const during = await place('c-heal-during');

  await stack.nats.restart({ wipe: true });
  const after = await place('c-heal-after');
  await reachesEveryone(during, 'c-heal-during');
  await reachesEveryone(after, 'c-heal-after');

  for (const name of ['ordering', 'delivery', 'mypage', 'notification', 'router'] as const) {
    await waitFor(async () => (await ready(name)).status === 200, `${name} to be ready again`, WAIT_MS);
  }
  // The streams and durable consumers exist again on the new server.
  const consumers = stack.services.delivery!.consumers.map((c) => c.health());
  expect(consumers.every((h) => h.ok)).toBe(true);
}, 240_000);
