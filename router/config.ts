import { resolve } from 'node:path';
import { z } from 'zod';
import { DEV_ROUTER_TOKEN, isProduction, parseEnv } from '../platform/config';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).default(4000),
  HOST: z.string().default('127.0.0.1'),
  SUPERGRAPH_PATH: z.string().default(resolve(__dirname, 'supergraph.graphql')),
  ROUTER_TOKEN: z
    .string()
    .min(16)
    .optional()
    .transform((v, ctx) => {
      if (v) return v;
      if (isProduction()) {
        ctx.addIssue({ code: 'custom', message: 'ROUTER_TOKEN is required when NODE_ENV=production' });
        return z.NEVER;
      }
      return DEV_ROUTER_TOKEN;
    }),
  /** How long one subgraph request may take before the router gives up on it. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type RouterConfig = z.infer<typeof schema> & { subgraphUrls: Record<string, string>; production: boolean };

/** SUBGRAPH_URL_<NAME> (e.g. SUBGRAPH_URL_PAYMENT) overrides a subgraph's routing URL from the supergraph. */
export function loadRouterConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const subgraphUrls: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^SUBGRAPH_URL_([A-Z0-9_]+)$/.exec(k);
    if (m && v) subgraphUrls[m[1].toLowerCase()] = v;
  }
  return { ...parseEnv(schema, env), subgraphUrls, production: isProduction() };
}
