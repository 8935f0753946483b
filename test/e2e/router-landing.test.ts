// The router's plain HTTP edges a browser meets first: / leads to the GraphQL endpoint (Apollo
// Sandbox in development), and a missing file under /tracker/ is a quiet 404 (no stack, no path).
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contexts: [] });
});
afterAll(async () => {
  await stack?.close();
});

const base = () => stack.router!.url.replace(/\/graphql$/, '');

test('GET / redirects to /graphql', async () => {
  const res = await fetch(`${base()}/`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/graphql');
});

test.each(['/tracker/favicon.ico', '/tracker/deeper/nothing.css', '/tracker/missing.js'])('GET %s is a plain 404 without a stack or a path', async (path) => {
  const res = await fetch(`${base()}${path}`);
  expect(res.status).toBe(404);
  const body = await res.text();
  expect(body).toBe('Not found');
});

test('the tracker page itself is still served', async () => {
  const res = await fetch(`${base()}/tracker/`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<html');
});
