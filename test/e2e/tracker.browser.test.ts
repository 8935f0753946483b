// The order tracker page (router/tracker) in real headless Chromium (Debian's `chromium`,
// driven by playwright-core): sign in with a token, list my orders, place one from the
// bakery, watch the status timeline move live; another customer sees nothing of it.
import { chromium, type Browser, type Page } from 'playwright-core';
import { as, createTestKeys } from '../support/auth';
import { findChromium } from '../support/chromium';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const BAKERY = 'sunrise-bakery';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const executablePath = findChromium();
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery', 'mypage'] });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const trackerUrl = () => stack.router!.url.replace(/\/graphql$/, '/tracker');

async function signIn(customer: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(trackerUrl());
  await page.getByTestId('token').fill((await stack.customer(customer).token())!);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('who').filter({ hasText: `${customer} (customer)` }).waitFor();
  await page.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
  return page;
}

const timeline = (page: Page, orderId: string) => page.locator(`[data-timeline="${orderId}"] li`);

test('sign in, place a bakery order, watch it go PAID → CONFIRMED → SHIPPED live; another customer sees nothing', async () => {
  // An order placed before signing in shows in "My orders" (mypage's read model).
  const earlier = await stack.customer('c-web').gql(`mutation { placeOrder(input: { productId: "donut", qty: 3 }) { id } }`);
  expect(earlier.errors).toBeUndefined();
  await waitFor(async () => ((await stack.customer('c-web').gql('{ myOrders { orderId } }')).data?.myOrders.length === 1) || null, 'mypage to list the earlier order');

  const page = await signIn('c-web');
  const stranger = await signIn('c-stranger');
  await page.locator(`[data-order-id="${earlier.data.placeOrder.id}"]`).waitFor();

  await page.getByTestId('product').selectOption('cake');
  await page.getByTestId('qty').fill('2');
  await page.getByTestId('place').click();

  // The new order appears with its PAID step, pushed by the subscription.
  const orderId = await waitFor(async () => {
    const ids = await page.locator('[data-order-id]').evaluateAll((els: any[]) => els.map((e) => e.dataset.orderId as string));
    return ids.find((id) => id !== earlier.data.placeOrder.id) ?? null;
  }, 'the new order on the page');
  await timeline(page, orderId).filter({ hasText: 'PENDING → PAID' }).waitFor();
  const card = page.locator(`[data-order-id="${orderId}"]`);
  await card.filter({ hasText: 'cake × 2 · 50000 won' }).waitFor();
  await card.filter({ hasText: 'payment APPROVED' }).waitFor();

  // The store works on it elsewhere; the page follows without a reload.
  // (Delivery opens the order from its OrderPlaced event, concurrently with the page's push.)
  await waitFor(async () => {
    const r = await stack.staff(BAKERY).gql(`mutation($o: ID!) { acceptOrder(orderId: $o) { status } }`, { o: orderId });
    if (r.errors?.[0]?.extensions?.code === 'DELIVERY_NOT_FOUND') return null;
    expect(r.errors).toBeUndefined();
    return true;
  }, 'the store to accept the order');
  await timeline(page, orderId).filter({ hasText: 'PAID → CONFIRMED' }).waitFor();
  expect((await stack.staff(BAKERY).gql(`mutation($o: ID!) { startDelivery(orderId: $o) { status } }`, { o: orderId })).errors).toBeUndefined();
  await timeline(page, orderId).filter({ hasText: 'CONFIRMED → SHIPPED' }).waitFor();
  await card.getByTestId('status').filter({ hasText: 'SHIPPED' }).waitFor();
  await card.filter({ hasText: 'delivery SHIPPED' }).waitFor();
  expect(await timeline(page, orderId).evaluateAll((els: any[]) => els.map((e) => e.dataset.status as string))).toEqual(['PAID', 'CONFIRMED', 'SHIPPED']);

  // The other customer's page is live too, and shows none of it.
  await stranger.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
  expect(await stranger.locator('[data-order-id]').count()).toBe(0);
  expect(await stranger.content()).not.toContain(orderId);
});

test('a bad token is refused on the page with the reason', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(trackerUrl());
  // Signed by a key the router does not trust.
  const foreign = await (await createTestKeys()).token(as.customer('c-web'));
  await page.getByTestId('token').fill(foreign);
  await page.getByTestId('sign-in').click();
  await page.getByRole('alert').filter({ hasText: /bad signature\. \(UNAUTHENTICATED\)/ }).waitFor();
  expect(await page.locator('#app').isHidden()).toBe(true);
});
