// Resolver types come from the SDL (GraphQL Code Generator, codegen.ts): the committed
// subgraphs/<context>/generated/resolvers-types.ts must be exactly what `npm run codegen`
// writes from today's schema.graphql. The real CLI regenerates them into a temporary folder
// (CODEGEN_OUT_DIR) and the test compares; the repository is not written. (The CLI runs as a
// child process: it loads ES-module-only dependencies that Jest's CommonJS runtime cannot.)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import config, { CODEGEN_CONTEXTS, generatedTypesPath } from '../../codegen';
import { spawnChild } from '../support/children';

const ROOT = resolve(__dirname, '../..');

/** Runs `graphql-codegen --config codegen.ts` writing under `outDir`; resolves with its stderr, rejects on a non-zero exit. */
function runCodegen(outDir: string): Promise<string> {
  const child = spawnChild(process.execPath, [join(ROOT, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', join(ROOT, 'codegen.ts')], {
    cwd: ROOT,
    env: { ...process.env, CODEGEN_OUT_DIR: outDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((ok, fail) => child.once('exit', (code) => (code === 0 ? ok(stderr) : fail(new Error(`graphql-codegen exited ${code}: ${stderr}`)))));
}

describe('generated resolver types', () => {
  test('every subgraph with a schema.graphql has them (a new context is found by its folder)', () => {
    const withSchema = readdirSync(join(ROOT, 'subgraphs'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'subgraphs', d.name, 'schema.graphql')))
      .map((d) => d.name)
      .sort();
    expect(CODEGEN_CONTEXTS).toEqual(withSchema);
    expect(Object.keys(config.generates).sort()).toEqual(withSchema.map(generatedTypesPath).sort());
  });

  test('the committed files are what `npm run codegen` writes from the current schemas', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ordergraph-codegen-'));
    try {
      await runCodegen(out);
      const stale = CODEGEN_CONTEXTS.map(generatedTypesPath).filter((file) => {
        const committed = join(ROOT, file);
        return !existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(join(out, file), 'utf8');
      });
      if (stale.length) throw new Error(`Stale generated resolver types: ${stale.join(', ')}. Run \`npm run codegen\` and commit them.`);
      expect(stale).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
