import { resolve } from 'node:path';
import { z } from 'zod';
import { DEV_ROUTER_TOKEN, healthEnvShape, isProduction, logEnvShape, parseEnv } from '../platform/config';
import { DEFAULT_AUDIENCE, DEV_ALGORITHM, DEV_ISSUER, devKeyFileIn, type JwtSettings } from './auth';

const schema = z.object({
  ...logEnvShape,
  PORT: z.coerce.number().int().min(0).default(4000),
  HOST: z.string().default('127.0.0.1'),
  SUPERGRAPH_PATH: z.string().default(resolve(__dirname, 'supergraph.graphql')),
  /** Required when NODE_ENV=production; a development default otherwise. */
  ROUTER_TOKEN: z.string().min(16).optional(),
  /** How long one subgraph request may take before the router gives up on it. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * In-flight deduplication of subgraph queries (router/subgraph-source.ts): identical
   * concurrent queries of the same identity share one upstream request. `off` for comparisons.
   */
  ROUTER_DEDUPE: z.enum(['on', 'off']).default('on'),
  /** NATS with JetStream: the router reads ordering's events for subscriptions. */
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  DATA_DIR: z.string().default(resolve(process.cwd(), '.data')),

  // Authentication (see router/auth.ts). Production needs JWT_JWKS_URL or JWT_PUBLIC_KEY and JWT_ISSUER.
  JWT_JWKS_URL: z.url().optional(),
  /** One public key, PEM (SPKI); `\n` escapes are accepted. */
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
  /** Comma-separated allowed algorithms. */
  JWT_ALGORITHMS: z.string().default(DEV_ALGORITHM).transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean)),
  JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).default(5),
  /** How far in the future a token's `iat` may lie (clock skew between issuer and router). */
  JWT_MAX_IAT_SKEW_SECONDS: z.coerce.number().int().min(0).default(60),
  /** The longest token lifetime (exp − iat) accepted; the default takes `npm run token`'s 8h, and up to a day. */
  JWT_MAX_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  /** Verified tokens remembered (LRU, keyed by the token text); 0 verifies every request anew. */
  JWT_CACHE_SIZE: z.coerce.number().int().min(0).default(10_000),
  /** The longest a verified token is trusted without verifying it again (never past its `exp`): how late a key removed from the JWKS takes effect. */
  JWT_CACHE_MAX_SECONDS: z.coerce.number().int().min(0).default(60),

  // Guard rails on the public endpoint (see router/guards.ts).
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(100_000),
  MAX_DEPTH: z.coerce.number().int().positive().default(10),
  MAX_COST: z.coerce.number().int().positive().default(5_000),
  MAX_ALIASES: z.coerce.number().int().positive().default(30),
  /** Changes that may wait for one slow subscriber before its subscription ends with SLOW_SUBSCRIBER. */
  SUBSCRIPTION_BUFFER: z.coerce.number().int().positive().default(1000),

  // Start-up, health probes and stream replicas (platform/health.ts, README "Self-healing and health probes").
  ...healthEnvShape,
});

export type RouterConfig = Omit<z.infer<typeof schema>, 'ROUTER_TOKEN'> & { ROUTER_TOKEN: string; subgraphUrls: Record<string, string>; production: boolean; jwt: JwtSettings };

/** SUBGRAPH_URL_<NAME> (e.g. SUBGRAPH_URL_PAYMENT) overrides a subgraph's routing URL from the supergraph. */
export function loadRouterConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const subgraphUrls: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^SUBGRAPH_URL_([A-Z0-9_]+)$/.exec(k);
    if (m && v) subgraphUrls[m[1].toLowerCase()] = v;
  }
  const production = (env.NODE_ENV ?? process.env.NODE_ENV) === 'production' || isProduction();
  const c = parseEnv(schema, env);
  if (production) {
    const missing = [
      !c.JWT_JWKS_URL && !c.JWT_PUBLIC_KEY ? 'JWT_JWKS_URL or JWT_PUBLIC_KEY' : undefined,
      !c.JWT_ISSUER ? 'JWT_ISSUER' : undefined,
      !c.ROUTER_TOKEN ? 'ROUTER_TOKEN' : undefined,
    ].filter(Boolean);
    if (missing.length) throw new Error(`Invalid configuration:\n${missing.map((m) => `  - ${m} is required when NODE_ENV=production`).join('\n')}`);
  }
  const jwt: JwtSettings = {
    issuer: c.JWT_ISSUER ?? DEV_ISSUER,
    audience: c.JWT_AUDIENCE,
    algorithms: c.JWT_ALGORITHMS,
    jwksUrl: c.JWT_JWKS_URL,
    publicKeyPem: c.JWT_PUBLIC_KEY,
    clockToleranceSec: c.JWT_CLOCK_TOLERANCE_S,
    maxIatSkewSec: c.JWT_MAX_IAT_SKEW_SECONDS,
    maxTtlSec: c.JWT_MAX_TTL_SECONDS,
    cacheSize: c.JWT_CACHE_SIZE,
    cacheMaxSec: c.JWT_CACHE_MAX_SECONDS,
    // Development only: a key pair generated at first start.
    devKeyFile: production ? undefined : devKeyFileIn(c.DATA_DIR),
  };
  return { ...c, ROUTER_TOKEN: c.ROUTER_TOKEN ?? DEV_ROUTER_TOKEN, subgraphUrls, production, jwt };
}
