import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRemoteJWKSet, errors as joseErrors, exportJWK, exportSPKI, generateKeyPair, importJWK, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { actorSchema, type Actor } from '../platform/auth';

/**
 * Authentication at the router: bearer JWTs verified with jose (signature, issuer,
 * audience, allowed algorithms, expiry, `iat` not in the future beyond a clock skew, lifetime
 * `exp − iat` at most a maximum). Keys come from a JWKS URL (JWT_JWKS_URL) or one
 * public key (JWT_PUBLIC_KEY, PEM). In development, when neither is set, a key pair is
 * generated once under DATA_DIR/dev-jwt and `npm run token` signs tokens with it.
 *
 * Claims: `sub` (for a customer: the customer id), `role` (customer, store-staff, courier,
 * stock-manager, admin) and, for store-staff, `storeId`.
 */
export interface JwtSettings {
  issuer: string;
  audience: string;
  algorithms: string[];
  publicKeyPem?: string;
  jwksUrl?: string;
  clockToleranceSec: number;
  /** A token's `iat` may lie at most this far in the future (the issuer's clock running ahead). */
  maxIatSkewSec: number;
  /** The longest lifetime (`exp − iat`) accepted: a stolen long-lived token is refused even before it expires. */
  maxTtlSec: number;
  /** Development only: where the generated key pair lives. */
  devKeyFile?: string;
  /** Verified tokens remembered (bounded LRU keyed by the token text); 0 or absent: no cache. */
  cacheSize?: number;
  /** The longest a verified token is remembered, in seconds (never past its `exp`). */
  cacheMaxSec?: number;
}

export interface VerifiedToken {
  actor: Actor;
  /** Epoch milliseconds; undefined when the token has no `exp` (refused unless allowed). */
  expiresAt?: number;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface Verifier {
  verify(token: string): Promise<VerifiedToken>;
}

export const DEV_ISSUER = 'ordergraph-dev';
export const DEFAULT_AUDIENCE = 'ordergraph';
export const DEV_ALGORITHM = 'ES256';

interface DevKeyFile {
  alg: string;
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The development key pair: read from `file`, or generated (once) and written there. */
export async function loadOrCreateDevKeys(file: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string; alg: string; publicPem: string; created: boolean }> {
  let created = false;
  if (!existsSync(file)) {
    const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
    const kid = `dev-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`;
    const content: DevKeyFile = { alg: DEV_ALGORITHM, kid, privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    created = true;
  }
  const content = JSON.parse(readFileSync(file, 'utf8')) as DevKeyFile;
  const privateKey = (await importJWK(content.privateJwk, content.alg, { extractable: true })) as CryptoKey;
  const publicKey = (await importJWK(content.publicJwk, content.alg, { extractable: true })) as CryptoKey;
  return { privateKey, publicKey, kid: content.kid, alg: content.alg, publicPem: await exportSPKI(publicKey), created };
}

export const devKeyFileIn = (dataDir: string) => join(dataDir, 'dev-jwt', 'keys.json');

/**
 * The verifier for these settings. Every check runs on a token's first use; a token that
 * passed is then remembered (when `cacheSize` > 0) in a bounded LRU keyed by the token's
 * exact text, until the earlier of its `exp` and `cacheMaxSec` from now: ECDSA verification
 * was 8–11 % of the router's CPU with every request verifying its token again (issue 13).
 * Only successes are remembered; a refused token is checked afresh each time. What passed
 * once passes again while remembered: the signature and claims cannot change for the same
 * text, the `iat` skew and lifetime checks depend on the token alone, and the entry ends at
 * `exp`. What the cache delays is a key's withdrawal: a token signed with a key since
 * removed from the JWKS (rotation after a leak) is still accepted for at most `cacheMaxSec`
 * (JWT_CACHE_MAX_SECONDS, default 60); set it to 0 (or JWT_CACHE_SIZE=0) where that matters
 * more than the CPU.
 */
export async function createVerifier(s: JwtSettings): Promise<Verifier & { source: string }> {
  let key: CryptoKey | JWTVerifyGetKey;
  let source: string;
  if (s.jwksUrl) {
    key = createRemoteJWKSet(new URL(s.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    source = `JWKS ${s.jwksUrl}`;
  } else if (s.publicKeyPem) {
    key = await importSPKI(s.publicKeyPem.replace(/\\n/g, '\n'), s.algorithms[0]);
    source = 'JWT_PUBLIC_KEY';
  } else if (s.devKeyFile) {
    key = (await loadOrCreateDevKeys(s.devKeyFile)).publicKey;
    source = `development key ${s.devKeyFile}`;
  } else {
    throw new Error('No JWT key: set JWT_JWKS_URL or JWT_PUBLIC_KEY');
  }
  const verify = async (token: string): Promise<VerifiedToken> => {
    try {
      const { payload } = await jwtVerify(token, key as never, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: s.algorithms,
        clockTolerance: s.clockToleranceSec,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const iat = payload.iat!;
      const now = Math.floor(Date.now() / 1000);
      // jose checks iat only against a maximum age; a token minted in the future is refused here (issue 10, point 8).
      if (iat > now + s.maxIatSkewSec) throw new AuthError(`Token refused: issued in the future (iat ${iat - now} s ahead; at most ${s.maxIatSkewSec} s of clock skew).`);
      if (payload.exp! - iat > s.maxTtlSec) throw new AuthError(`Token refused: lifetime (exp − iat) of ${payload.exp! - iat} s is longer than the ${s.maxTtlSec} s allowed.`);
      const actor = actorSchema.safeParse({ sub: payload.sub, role: payload.role, storeId: payload.storeId ?? undefined });
      if (!actor.success) throw new AuthError(`Token claims are not usable: ${actor.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return { actor: actor.data, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined };
    } catch (e) {
      if (e instanceof AuthError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw new AuthError('Token expired: get a new one.');
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw new AuthError(`Token refused: ${e.message} (claim ${e.claim}).`);
      if (e instanceof joseErrors.JOSEAlgNotAllowed) throw new AuthError('Token refused: algorithm not allowed.');
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new AuthError('Token refused: bad signature.');
      if (e instanceof joseErrors.JWKSNoMatchingKey) throw new AuthError('Token refused: no key matches its kid.');
      if (e instanceof joseErrors.JOSEError) throw new AuthError(`Token refused: ${e.message}`);
      throw new AuthError('Token refused: not a JWT.');
    }
  };
  const maxMs = (s.cacheMaxSec ?? 0) * 1000;
  if (!s.cacheSize || maxMs <= 0) return { source, verify };
  const cache = new LRUCache<string, VerifiedToken>({ max: s.cacheSize });
  return {
    source,
    async verify(token) {
      const known = cache.get(token);
      // lru-cache's ttl runs on a monotonic clock; exp is wall-clock time: check both.
      if (known && (known.expiresAt === undefined || known.expiresAt > Date.now())) return known;
      const verified = await verify(token);
      const ttl = Math.min(maxMs, (verified.expiresAt ?? 0) - Date.now());
      if (ttl > 0) cache.set(token, verified, { ttl });
      return verified;
    },
  };
}

/** Signs a token (development keys, tests, `npm run token`). */
export async function signToken(
  privateKey: CryptoKey,
  actor: Actor,
  opts: { issuer?: string; audience?: string; alg?: string; kid?: string; expiresIn?: string | number } = {},
): Promise<string> {
  const claims: Record<string, unknown> = { role: actor.role };
  if (actor.storeId) claims.storeId = actor.storeId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? DEV_ALGORITHM, ...(opts.kid ? { kid: opts.kid } : {}) })
    .setSubject(actor.sub)
    .setIssuer(opts.issuer ?? DEV_ISSUER)
    .setAudience(opts.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '8h')
    .sign(privateKey);
}

/** The bearer token of an `Authorization` header value; undefined when absent; throws when malformed. */
export function bearerOf(header: string | undefined | null): string | undefined {
  if (header === undefined || header === null || header === '') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AuthError('Authorization header must be "Bearer <JWT>".');
  return m[1];
}
