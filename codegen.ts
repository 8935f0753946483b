import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: resolver types for every subgraph, from its SDL.
 *
 *   npm run codegen    writes subgraphs/<context>/generated/resolvers-types.ts for every
 *                      subgraphs/<context>/schema.graphql (a new context is picked up as is)
 *
 * The files are committed; test/contracts/codegen.test.ts regenerates them in memory and fails
 * when a committed one differs (a schema changed without `npm run codegen`). Resolver maps are
 * typed `Resolvers<TheirContext>`; a parent type is the GraphQL type's fields, all optional
 * (`defaultMapper`), so a resolver may return a database row and let field resolvers fill in.
 * A Relay connection (`type XConnection`, `type XEdge`) is mapped to the same shape with its
 * node mapped too: what platform/pagination.ts's `paginate` returns.
 */
const ROOT = __dirname;
const SUBGRAPHS = join(ROOT, 'subgraphs');

/** Every context folder with a schema.graphql, sorted (so the output is the same on every machine). */
export const CODEGEN_CONTEXTS = readdirSync(SUBGRAPHS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SUBGRAPHS, d.name, 'schema.graphql')))
  .map((d) => d.name)
  .sort();

/** Where a context's generated resolver types live, relative to the repository root. */
export const generatedTypesPath = (context: string) => `subgraphs/${context}/generated/resolvers-types.ts`;

/** Set by the staleness test only: write the files under this folder instead of the repository. */
const OUT_DIR = process.env.CODEGEN_OUT_DIR;

/**
 * A context's own mappers, where a resolver's parent carries more than its GraphQL type (e.g.
 * ordering's Order keeps the `productId` its `product` field resolves from). Paths are relative
 * to the generated file. A context with none needs no entry.
 */
const MODEL_MAPPERS: Record<string, Record<string, string>> = {
  catalog: { Product: '../db#Product as ProductRow' },
  ordering: { Order: '../resolvers#OrderModel' },
  rental: { Reservation: '../resolvers#ReservationModel' },
};

/** Mappers for every `XConnection` / `XEdge` pair a schema declares (the node as `ResolversTypes['X']`). */
function connectionMappers(context: string): Record<string, string> {
  const sdl = readFileSync(join(SUBGRAPHS, context, 'schema.graphql'), 'utf8');
  const mappers: Record<string, string> = {};
  for (const [, node] of sdl.matchAll(/^type (\w+)Connection\b/gm)) {
    mappers[`${node}Connection`] = `{ edges: Array<ResolversTypes['${node}Edge']>; pageInfo: ResolversTypes['PageInfo'] }`;
    mappers[`${node}Edge`] = `{ cursor: string; node: ResolversTypes['${node}'] }`;
  }
  return { ...mappers, ...MODEL_MAPPERS[context] };
}

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  generates: Object.fromEntries(
    CODEGEN_CONTEXTS.map((context) => [
      OUT_DIR ? join(OUT_DIR, generatedTypesPath(context)) : generatedTypesPath(context),
      {
        schema: join(SUBGRAPHS, context, 'schema.graphql'),
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          enumsAsTypes: true,
          useIndexSignature: true,
          useTypeImports: true,
          defaultMapper: 'Partial<{T}>',
          scalars: { ID: 'string' },
          mappers: connectionMappers(context),
        },
      },
    ]),
  ),
};

export default config;
