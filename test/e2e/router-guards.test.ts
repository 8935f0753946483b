// The public endpoint's authentication and guard rails, through a real router over a real
// catalog subgraph (the rules of each context are tested in test/e2e/auth-*.test.ts).
import { built, spawnChild } from '../support/children';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEV_ROUTER_TOKEN } from '../../platform/config';
import { startRouter, type RunningRouter } from '../../router/gateway';
import { loadRouterConfig } from '../../router/config';
import { signToken } from '../../router/auth';
import { as } from '../support/auth';
import { freePort, waitFor } from '../support/ports';
import { subscribe } from '../support/subscriptions';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog'] });
});
afterAll(() => stack?.close());

const STORES = '{ stores { id kind } }';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: json, headers: res.headers };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
/** A customer token with `iat` / `exp` set relative to now, in seconds (left out when undefined). */
async function customerToken(at: { iat?: number; exp: number }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ role: 'customer' }).setProtectedHeader({ alg: 'ES256' }).setSubject('c-1').setIssuer('ordergraph-dev').setAudience('ordergraph').setExpirationTime(now + at.exp);
  if (at.iat !== undefined) jwt.setIssuedAt(now + at.iat);
  return jwt.sign(stack.keys.privateKey);
}

describe('authentication: bearer JWT verified at the router', () => {
  test('a valid token answers', async () => {
    const r = await stack.customer('c-1').post(STORES);
    expect(r.status).toBe(200);
    expect(r.body.data.stores.length).toBeGreaterThan(0);
  });

  test('no token: HTTP 401 UNAUTHENTICATED with a hint, and a WWW-Authenticate header', async () => {
    const r = await post(stack.router!.url, { query: STORES });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ errors: [{ message: expect.stringMatching(/npm run token/), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  const refused: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
    ['a malformed Authorization header', async () => ({ authorization: 'Token abc' }), /Bearer/],
    ['not a JWT', async () => bearer('not-a-jwt'), /not a JWT|Invalid/i],
    ['a token signed by another key', async () => bearer(await signToken((await generateKeyPair('ES256')).privateKey, as.customer('c-1'))), /signature/],
    ['an expired token', async () => bearer(await stack.keys.token(as.customer('c-1'), { expiresIn: Math.floor(Date.now() / 1000) - 60 })), /expired/],
    ['another issuer', async () => bearer(await stack.keys.token(as.customer('c-1'), { issuer: 'someone-else' })), /iss/],
    ['another audience', async () => bearer(await stack.keys.token(as.customer('c-1'), { audience: 'another-api' })), /aud/],
    [
      'an algorithm not allowed (HS256)',
      async () => bearer(await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('ordergraph-dev').setAudience('ordergraph').setExpirationTime('1h').sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'))),
      /algorithm/,
    ],
    ['a role that does not exist', async () => bearer(await signToken(stack.keys.privateKey, { sub: 'x', role: 'superuser' as never })), /role/],
    ['store staff without a store', async () => bearer(await signToken(stack.keys.privateKey, { sub: 'x', role: 'store-staff' })), /storeId/],
    // Issue 10, point 8: minted in the future beyond JWT_MAX_IAT_SKEW_SECONDS (60), or living longer than JWT_MAX_TTL_SECONDS (24 h).
    ['a token issued 5 minutes in the future', async () => bearer(await customerToken({ iat: 300, exp: 3600 })), /issued in the future/],
    ['a token living 30 days', async () => bearer(await customerToken({ iat: 0, exp: 30 * 86_400 })), /lifetime .* longer than the 86400 s allowed/],
    ['a token without iat (its lifetime cannot be checked)', async () => bearer(await customerToken({ exp: 3600 })), /iat/],
  ];
  test.each(refused)('%s: 401 UNAUTHENTICATED, nothing answered', async (_what, headers, message) => {
    const r = await post(stack.router!.url, { query: STORES }, await headers());
    expect(r.status).toBe(401);
    expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(r.body.errors[0].message).toMatch(message);
    expect(r.body.data).toBeUndefined();
  });

  test('a little clock skew passes (iat 30 s ahead), and so does npm run token’s 8 h lifetime', async () => {
    expect((await post(stack.router!.url, { query: STORES }, bearer(await customerToken({ iat: 30, exp: 3600 })))).status).toBe(200);
    expect((await post(stack.router!.url, { query: STORES }, bearer(await customerToken({ iat: 0, exp: 8 * 3600 })))).status).toBe(200);
  });

  test('the limits are settings: JWT_MAX_TTL_SECONDS=600 refuses a 1 h token', async () => {
    const port = await freePort();
    const router = await startRouter({ ...stack.routerEnv(port), JWT_MAX_TTL_SECONDS: '600' });
    try {
      const r = await post(router.url, { query: STORES }, bearer(await customerToken({ iat: 0, exp: 3600 })));
      expect(r.status).toBe(401);
      expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/longer than the 600 s allowed/), extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      await router.stop();
    }
  });

  test('introspection alone is open in development (Sandbox loads the schema before sign-in); data is not', async () => {
    const r = await post(stack.router!.url, { query: '{ __schema { subscriptionType { fields { name } } } }' });
    expect(r.status).toBe(200);
    expect(r.body.data.__schema.subscriptionType.fields.map((f: any) => f.name).sort()).toEqual(['myOrderStatusChanged', 'orderStatusChanged', 'storeOrderStatusChanged']);
    const mixed = await post(stack.router!.url, { query: '{ __typename stores { id } }' });
    expect(mixed.status).toBe(401);
  });

  test('keys from a JWKS URL: the token is checked against the key its kid names', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k-1', alg: 'ES256', use: 'sig' };
    const jwks: Server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const port = await freePort();
    const env = { ...stack.routerEnv(port), JWT_PUBLIC_KEY: undefined, JWT_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` };
    const router = await startRouter(env);
    try {
      const good = await post(router.url, { query: STORES }, bearer(await signToken(privateKey, as.customer('c-1'), { kid: 'k-1' })));
      expect(good.status).toBe(200);
      expect(good.body.data.stores.length).toBeGreaterThan(0);
      const unknownKid = await post(router.url, { query: STORES }, bearer(await signToken(privateKey, as.customer('c-1'), { kid: 'k-2' })));
      expect(unknownKid.status).toBe(401);
      expect(unknownKid.body.errors[0].message).toMatch(/kid/);
    } finally {
      await router.stop();
      jwks.close();
    }
  });
});

describe('guard rails, each with its code', () => {
  const deep = `{ stores { products { store { products { store { products { store { products { store { products { id } } } } } } } } } } }`;

  test('depth beyond MAX_DEPTH: 400 QUERY_TOO_DEEP', async () => {
    const r: { status: number; body: any } = await stack.customer('c-1').post(deep);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/depth limit of 10/), extensions: { code: 'QUERY_TOO_DEEP' } });
  });

  test('too many aliases: 400 TOO_MANY_ALIASES', async () => {
    const q = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: stores { id }`).join(' ')} }`;
    const r: { status: number; body: any } = await stack.customer('c-1').post(q);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('TOO_MANY_ALIASES');
  });

  test('__typename aliases count too: 2 000 of them are refused (GraphQL Armor exempts them by default)', async () => {
    const q = `{ ${Array.from({ length: 2000 }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    const r: { status: number; body: any } = await stack.customer('c-1').post(q);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/found 2000/), extensions: { code: 'TOO_MANY_ALIASES' } });
  });

  test('estimated cost beyond MAX_COST: 400 QUERY_TOO_COSTLY', async () => {
    const wide = `{ stores { ${Array.from({ length: 25 }, (_, i) => `p${i}: products { id name price store { id name kind products { id name price } } }`).join(' ')} } }`;
    const port = await freePort();
    const router = await startRouter({ ...stack.routerEnv(port), MAX_ALIASES: '100', MAX_COST: '500' });
    try {
      const r = await post(router.url, { query: wide }, bearer((await stack.customer('c-1').token())!));
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ message: expect.stringMatching(/[Cc]ost/), extensions: { code: 'QUERY_TOO_COSTLY' } });
    } finally {
      await router.stop();
    }
  });

  test('a body over MAX_BODY_BYTES: 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await post(stack.router!.url, { query: STORES, variables: { pad: 'x'.repeat(150_000) } }, bearer((await stack.customer('c-1').token())!));
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ errors: [{ message: expect.stringMatching(/larger than 100000 bytes/), extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  test('CSRF: a simple request (text/plain POST, GET without a preflight header) is refused with 400 BAD_REQUEST', async () => {
    const token = (await stack.customer('c-1').token())!;
    const plain = await fetch(stack.router!.url, { method: 'POST', headers: { 'content-type': 'text/plain', ...bearer(token) }, body: JSON.stringify({ query: STORES }) });
    expect(plain.status).toBe(400);
    const get = await fetch(`${stack.router!.url}?query=${encodeURIComponent(STORES)}`, { headers: bearer(token) });
    expect(get.status).toBe(400);
    expect(((await get.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const withPreflightHeader = await fetch(`${stack.router!.url}?query=${encodeURIComponent(STORES)}`, { headers: { ...bearer(token), 'apollo-require-preflight': 'true' } });
    expect(withPreflightHeader.status).toBe(200);
  });
});

test('a body that is not JSON, at the router and at a subgraph: 400 as JSON, never an HTML page with a stack', async () => {
  const token = (await stack.customer('c-1').token())!;
  const targets: Array<[string, Record<string, string>]> = [
    [stack.router!.url, bearer(token)],
    [stack.services.catalog!.url, { 'x-ordergraph-router-token': DEV_ROUTER_TOKEN }],
  ];
  for (const [url, headers] of targets) {
    const r = await post(url, '{"query": "{ stores { id } }"', headers);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/json/);
    expect(r.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(r.body)).not.toMatch(/node_modules|\.js:\d+|\n\s+at /);
  }
});

describe('production mode', () => {
  test('refuses to start without JWT keys, issuer and router token, naming each', () => {
    expect(() => loadRouterConfig({ NODE_ENV: 'production' })).toThrow(/JWT_JWKS_URL or JWT_PUBLIC_KEY is required[\s\S]*JWT_ISSUER is required[\s\S]*ROUTER_TOKEN is required/);
  });

  test('introspection and Sandbox are off; queries still answer', async () => {
    const port = await freePort();
    const router = await startRouter({ ...stack.routerEnv(port), NODE_ENV: 'production', JWT_ISSUER: 'ordergraph-dev', ROUTER_TOKEN: DEV_ROUTER_TOKEN });
    try {
      const token = (await stack.customer('c-1').token())!;
      const anonymous = await post(router.url, { query: '{ __schema { queryType { name } } }' });
      expect(anonymous.status).toBe(401);
      const intro = await post(router.url, { query: '{ __schema { queryType { name } } }' }, bearer(token));
      expect(intro.status).toBe(400);
      expect(intro.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(intro.body.errors[0].message).toMatch(/[Ii]ntrospection/);
      const devPage = await (await fetch(stack.router!.url, { headers: { accept: 'text/html' } })).text();
      expect(devPage).toMatch(/embeddable-sandbox/);
      const page = await (await fetch(router.url, { headers: { accept: 'text/html' } })).text();
      expect(page).not.toMatch(/embeddable-sandbox/);
      const ok = await post(router.url, { query: STORES }, bearer(token));
      expect(ok.status).toBe(200);
    } finally {
      await router.stop();
    }
  });
});

test('the router runs as its own process (built JavaScript, as npm start and the image run it): HTTP, auth and the subscription socket answer', async () => {
  const port = await freePort();
  const child = spawnChild(process.execPath, [built('router/main.ts')], {
    env: stack.routerEnv(port) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`router process exited: ${stderr}`);
      return fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
    }, 'the router process', 90_000, 200);
    const url = `http://127.0.0.1:${port}/graphql`;
    const token = (await stack.customer('c-proc').token())!;
    const r = await post(url, { query: STORES }, bearer(token));
    expect(r.status).toBe(200);
    expect(r.body.data.stores.length).toBeGreaterThan(0);
    expect((await post(url, { query: STORES })).status).toBe(401);
    const s = subscribe(url, token, 'subscription { myOrderStatusChanged { cursor } }');
    await s.connected;
    await s.close();
    const page = await fetch(`http://127.0.0.1:${port}/tracker/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('order tracker');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
