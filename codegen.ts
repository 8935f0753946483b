import { existsSync, readdirSync } from 'node:fs';
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

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  generates: Object.fromEntries(
    CODEGEN_CONTEXTS.map((context) => [
      generatedTypesPath(context),
      {
        schema: `subgraphs/${context}/schema.graphql`,
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          enumsAsTypes: true,
          useIndexSignature: true,
          useTypeImports: true,
          defaultMapper: 'Partial<{T}>',
          scalars: { ID: 'string' },
        },
      },
    ]),
  ),
};

export default config;
