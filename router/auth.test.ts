// The verified-token cache of router/auth.ts: a token that passed is not verified again until
// its exp (at most JWT_CACHE_MAX_SECONDS), every check still refuses what it refused, and an
// expired token is refused even when it was remembered.
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthError, createVerifier, signToken, type JwtSettings } from './auth';

let privateKey: CryptoKey;
let publicKeyPem: string;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
});

const settings = (over: Partial<JwtSettings> = {}): JwtSettings => ({
  issuer: 'ordergraph-dev',
  audience: 'ordergraph',
  algorithms: ['ES256'],
  publicKeyPem,
  clockToleranceSec: 0,
  maxIatSkewSec: 60,
  maxTtlSec: 86_400,
  cacheSize: 100,
  cacheMaxSec: 60,
  ...over,
});
const customer = (sub = 'c-1') => ({ sub, role: 'customer' as const });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A token whose exp lies `seconds` from now (whole seconds, as JWTs count). */
async function expiringIn(seconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'customer' }).setProtectedHeader({ alg: 'ES256' }).setSubject('c-1').setIssuer('ordergraph-dev').setAudience('ordergraph').setIssuedAt(now).setExpirationTime(now + seconds).sign(privateKey);
}

test('a verified token is remembered: the same token again is answered from the cache; another token is verified on its own', async () => {
  const v = await createVerifier(settings());
  const token = await signToken(privateKey, customer('c-1'));
  const first = await v.verify(token);
  expect(first.actor).toEqual(customer('c-1'));
  expect(await v.verify(token)).toBe(first);
  const other = await v.verify(await signToken(privateKey, customer('c-2')));
  expect(other.actor.sub).toBe('c-2');
});

test('JWT_CACHE_SIZE=0: every request verifies anew', async () => {
  const v = await createVerifier(settings({ cacheSize: 0 }));
  const token = await signToken(privateKey, customer());
  expect(await v.verify(token)).not.toBe(await v.verify(token));
});

test('a remembered token is refused once it expires', async () => {
  const v = await createVerifier(settings());
  const token = await expiringIn(2);
  await expect(v.verify(token)).resolves.toMatchObject({ actor: customer('c-1') });
  await expect(v.verify(token)).resolves.toMatchObject({ actor: customer('c-1') });
  await sleep(2100 + (1000 - (Date.now() % 1000)));
  await expect(v.verify(token)).rejects.toThrow(new AuthError('Token expired: get a new one.'));
}, 10_000);

test('an entry lasts at most JWT_CACHE_MAX_SECONDS, then the token is verified again', async () => {
  const v = await createVerifier(settings({ cacheMaxSec: 1 }));
  const token = await signToken(privateKey, customer());
  const first = await v.verify(token);
  expect(await v.verify(token)).toBe(first);
  await sleep(1100);
  const again = await v.verify(token);
  expect(again).not.toBe(first);
  expect(again.actor).toEqual(first.actor);
});

test('refusals are not remembered, and a tampered copy of a remembered token is refused', async () => {
  const v = await createVerifier(settings());
  const token = await signToken(privateKey, customer());
  await v.verify(token);
  const [header, payload, signature] = token.split('.');
  const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${signature}`;
  await expect(v.verify(forged)).rejects.toThrow(/bad signature/);
  await expect(v.verify(forged)).rejects.toThrow(/bad signature/);
  const stranger = await signToken((await generateKeyPair('ES256')).privateKey, customer());
  for (let i = 0; i < 2; i++) await expect(v.verify(stranger)).rejects.toThrow(/bad signature/);
});

test('every check still runs on first use: a token from the future and one living too long are refused, cache or not', async () => {
  const v = await createVerifier(settings({ maxTtlSec: 600 }));
  const now = Math.floor(Date.now() / 1000);
  const sign = (iat: number, exp: number) => new SignJWT({ role: 'customer' }).setProtectedHeader({ alg: 'ES256' }).setSubject('c-1').setIssuer('ordergraph-dev').setAudience('ordergraph').setIssuedAt(iat).setExpirationTime(exp).sign(privateKey);
  const future = await sign(now + 300, now + 600);
  const long = await sign(now, now + 3600);
  for (let i = 0; i < 2; i++) {
    await expect(v.verify(future)).rejects.toThrow(/issued in the future/);
    await expect(v.verify(long)).rejects.toThrow(/longer than the 600 s allowed/);
  }
});
