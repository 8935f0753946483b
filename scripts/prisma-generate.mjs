// Generates each context's Prisma client. The schema engine binary cannot be
// downloaded on offline machines and `generate` does not need it, so point
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file when it is unset.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const prismaBin = join(root, 'node_modules', 'prisma', 'build', 'index.js');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;

for (const context of readdirSync(join(root, 'prisma'))) {
  const schema = join(root, 'prisma', context, 'schema.prisma');
  if (!existsSync(schema)) continue;
  execFileSync(process.execPath, [prismaBin, 'generate', '--schema', schema], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`prisma: generated client for ${context}`);
}
