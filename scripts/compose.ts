// npm run compose            → writes router/supergraph.graphql
// npm run compose -- --check → fails when the committed file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { composeSupergraph, ROOT, SUPERGRAPH_FILE } from '../router/compose';

try {
  const sdl = composeSupergraph();
  const file = relative(ROOT, SUPERGRAPH_FILE);
  if (process.argv.includes('--check')) {
    const committed = existsSync(SUPERGRAPH_FILE) ? readFileSync(SUPERGRAPH_FILE, 'utf8') : '';
    if (committed !== sdl) {
      console.error(`${file} is stale: run \`npm run compose\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${file} is up to date.`);
  } else {
    writeFileSync(SUPERGRAPH_FILE, sdl);
    console.log(`composed ${file}`);
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
