// Every schema.prisma change must come with its migration: the wasm schema engine replays
// each context's migrations in an in-memory shadow database and diffs against the schema.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { CONTEXT_NAMES } from '../../subgraphs/registry';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

test('every context: committed migrations produce schema.prisma', async () => {
  const result = await run(process.execPath, ['--import', 'tsx', 'scripts/migration-diff.ts', 'all', '--check'], { cwd: ROOT }).catch(
    (e: { stdout: string; stderr: string }) => e,
  );
  // On failure the output holds the missing SQL; write it with `npm run migration:diff -- <context> --name <what>`.
  expect(`${result.stdout}${result.stderr}`.trim().split('\n')).toEqual(
    [...CONTEXT_NAMES].sort().map((c) => `${c}: migrations match schema.prisma`),
  );
  // One schema-engine diff per context, each replaying its migrations in an in-memory database: slow on a busy 2-core machine.
}, 180_000);
