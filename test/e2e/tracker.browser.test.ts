// The order tracker page (router/tracker) in real headless Chromium (Debian's `chromium`,
// driven by playwright-core): sign in with a token, list my orders with each one's timeline
// (timeline's read model, so it survives a reload), place one from the bakery, watch its
// timeline grow live; another customer sees nothing of it; a new customer gets an empty state;
// another role is told what the page is for. A screenshot of the page after the reload is kept
// for a person at .data/screenshots/tracker-timeline.png (gitignored).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { as, createTestKeys } from '../support/auth';
import { findChromium } from '../support/chromium';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const BAKERY = 'sunrise-bakery';
const SCREENSHOTS = join(__dirname, '../../.data/screenshots');

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const executablePath = findChromium();
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery', 'mypage', 'timeline'] });
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

beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }));

const trackerUrl = () => stack.router!.url.replace(/\/graphql$/, '/tracker');

/** A page in a fresh browser context; en-US, so amounts read ₩50,000. */
const newPage = async () => (await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 900 } })).newPage();

async function signIn(customer: string): Promise<Page> {
  const page = await newPage();
  await page.goto(trackerUrl());
  await page.getByTestId('token').fill((await stack.customer(customer).token())!);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('who').filter({ hasText: `${customer} (customer)` }).waitFor();
  await page.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
  return page;
}

const timeline = (page: Page, orderId: string) => page.locator(`[data-timeline="${orderId}"] li`);

const kinds = (page: Page, orderId: string) => timeline(page, orderId).evaluateAll((els: any[]) => els.map((e) => e.dataset.kind as string));
const eventIds = (page: Page, orderId: string) => timeline(page, orderId).evaluateAll((els: any[]) => els.map((e) => (e.dataset.eventId ?? '') as string));

test('sign in: an earlier order shows its timeline; place a bakery order and watch its timeline grow live; a reload keeps it all; another customer sees nothing', async () => {
  // An order placed before signing in shows in "My orders" (mypage) with its story (timeline).
  const earlier = await stack.customer('c-web').gql(`mutation { placeOrder(input: { productId: "donut", qty: 3 }) { id } }`);
  expect(earlier.errors).toBeUndefined();
  const earlierId: string = earlier.data.placeOrder.id;
  await waitFor(async () => ((await stack.customer('c-web').gql('{ myOrders { orderId } }')).data?.myOrders.length === 1) || null, 'mypage to list the earlier order');
  await waitFor(async () => {
    const t = (await stack.customer('c-web').gql('query($id: ID!) { order(id: $id) { timeline { kind } } }', { id: earlierId })).data?.order?.timeline ?? [];
    return t.some((e: any) => e.kind === 'ORDER_PLACED') && t.some((e: any) => e.kind === 'PAYMENT_CHARGED');
  }, 'timeline to hear of the earlier order');

  const page = await signIn('c-web');
  const stranger = await signIn('c-stranger');
  const earlierCard = page.locator(`[data-order-id="${earlierId}"]`);
  await earlierCard.filter({ hasText: 'donut × 3 · ₩6,000' }).waitFor();
  await timeline(page, earlierId).filter({ hasText: 'Order placed: 3 × donut · ₩6,000' }).waitFor();
  await timeline(page, earlierId).filter({ hasText: 'Payment charged · ₩6,000' }).waitFor();
  expect(await page.getByTestId('empty').isHidden()).toBe(true);

  await page.getByTestId('product').selectOption('cake');
  await page.getByTestId('qty').fill('2');
  await page.getByTestId('place').click();

  // The new order appears; the subscription's push shows at once, the timeline's entries follow.
  const orderId = await waitFor(async () => {
    const ids = await page.locator('[data-order-id]').evaluateAll((els: any[]) => els.map((e) => e.dataset.orderId as string));
    return ids.find((id) => id !== earlierId) ?? null;
  }, 'the new order on the page');
  const card = page.locator(`[data-order-id="${orderId}"]`);
  await card.filter({ hasText: 'cake × 2 · ₩50,000' }).waitFor();
  await card.filter({ hasText: 'payment APPROVED' }).waitFor();
  await timeline(page, orderId).filter({ hasText: 'Order placed: 2 × cake · ₩50,000' }).waitFor();

  // The store works on it elsewhere; the page follows without a reload.
  // (Delivery opens the order from its OrderPlaced event, concurrently with the page's push.)
  await waitFor(async () => {
    const r = await stack.staff(BAKERY).gql(`mutation($o: ID!) { acceptOrder(orderId: $o) { status } }`, { o: orderId });
    if (r.errors?.[0]?.extensions?.code === 'DELIVERY_NOT_FOUND') return null;
    expect(r.errors).toBeUndefined();
    return true;
  }, 'the store to accept the order');
  await timeline(page, orderId).filter({ hasText: 'Order status: paid → confirmed' }).waitFor();
  expect((await stack.staff(BAKERY).gql(`mutation($o: ID!) { startDelivery(orderId: $o) { status } }`, { o: orderId })).errors).toBeUndefined();
  await timeline(page, orderId).filter({ hasText: 'Order status: confirmed → shipped' }).waitFor();
  await card.getByTestId('status').filter({ hasText: 'SHIPPED' }).waitFor();
  await card.filter({ hasText: 'delivery SHIPPED' }).waitFor();
  // Live entries give way to the timeline's own (each with its event id), in the documented order.
  const full = ['PAYMENT_CHARGED', 'ORDER_PLACED', 'STORE_ACCEPTED', 'ORDER_STATUS_CHANGED', 'SHIPPED', 'ORDER_STATUS_CHANGED'];
  await waitFor(async () => {
    const k = await kinds(page, orderId);
    return (await page.locator(`[data-timeline="${orderId}"] li.live`).count()) === 0 && full.every((x) => k.includes(x)) ? k : null;
  }, 'the timeline to replace the live entries');
  const before = await eventIds(page, orderId);
  expect(before.every((id) => id.length > 0)).toBe(true);
  const k = await kinds(page, orderId);
  expect(k.indexOf('ORDER_PLACED')).toBeLessThan(k.indexOf('STORE_ACCEPTED'));
  expect(k.indexOf('STORE_ACCEPTED')).toBeLessThan(k.indexOf('SHIPPED'));

  // After a reload (the token stays for the tab), every order shows its timeline from the query.
  await page.reload();
  await page.getByTestId('who').filter({ hasText: 'c-web (customer)' }).waitFor();
  await waitFor(async () => JSON.stringify(await eventIds(page, orderId)) === JSON.stringify(before), 'the same timeline after the reload');
  await timeline(page, earlierId).filter({ hasText: 'Order placed: 3 × donut' }).waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'tracker-timeline.png'), fullPage: true });

  // The other customer's page is live too, and shows none of it: the empty state instead.
  await stranger.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
  expect(await stranger.locator('[data-order-id]').count()).toBe(0);
  expect(await stranger.content()).not.toContain(orderId);
  await stranger.getByTestId('empty').filter({ hasText: 'No orders yet' }).waitFor();
  await stranger.screenshot({ path: join(SCREENSHOTS, 'tracker-empty.png'), fullPage: true });
});

test('a customer with more orders than one request may name (the router allows 30 aliases): every order shows its timeline', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 31; i++) {
    const r = await stack.customer('c-many').gql(`mutation { placeOrder(input: { productId: "donut", qty: ${i + 1} }) { id } }`);
    expect(r.errors).toBeUndefined();
    ids.push(r.data.placeOrder.id);
  }
  await waitFor(async () => ((await stack.customer('c-many').gql('{ myOrders { orderId } }')).data?.myOrders.length === 31) || null, 'mypage to list the orders');
  await waitFor(async () => {
    const r = await stack.customer('c-many').gql('query($id: ID!) { order(id: $id) { timeline { kind } } }', { id: ids[30] });
    return r.data?.order?.timeline?.some((e: any) => e.kind === 'ORDER_PLACED');
  }, 'timeline to hear of the last order');
  const page = await signIn('c-many');
  for (const [i, id] of ids.entries()) await timeline(page, id).filter({ hasText: `Order placed: ${i + 1} × donut` }).waitFor();
});

test('another role is told what the page is for, with no order form', async () => {
  for (const [actor, role, hint] of [
    [as.staff(BAKERY), 'store-staff', 'deliveriesByStore'],
    [as.admin(), 'admin', 'timeline'],
  ] as const) {
    const page = await newPage();
    await page.goto(trackerUrl());
    await page.getByTestId('token').fill(await stack.keys.token(actor));
    await page.getByTestId('sign-in').click();
    const note = page.getByTestId('role-note');
    await note.filter({ hasText: 'This page is for customers' }).waitFor();
    await note.filter({ hasText: `the role ${role}` }).waitFor();
    await note.filter({ hasText: hint }).waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.getByTestId('place').isVisible()).toBe(false);
    if (role === 'store-staff') await page.screenshot({ path: join(SCREENSHOTS, 'tracker-other-role.png'), fullPage: true });
  }
});

test('a bad token is refused on the page with the reason', async () => {
  const page = await newPage();
  await page.goto(trackerUrl());
  // Signed by a key the router does not trust.
  const foreign = await (await createTestKeys()).token(as.customer('c-web'));
  await page.getByTestId('token').fill(foreign);
  await page.getByTestId('sign-in').click();
  await page.getByRole('alert').filter({ hasText: /bad signature\. \(UNAUTHENTICATED\)/ }).waitFor();
  expect(await page.locator('#app').isHidden()).toBe(true);
});
