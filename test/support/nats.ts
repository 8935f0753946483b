import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, waitFor } from './ports';

export interface TestNats {
  url: string;
  stop(): Promise<void>;
}

/** A real nats-server with JetStream for one test file: own port, own store directory, removed afterwards. */
export async function startNatsServer(): Promise<TestNats> {
  if (spawnSync('nats-server', ['--version']).error) {
    throw new Error('nats-server is not on PATH. Install it (Debian: apt-get install nats-server) or run .ci/run.');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'og-nats-'));
  const proc: ChildProcess = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  // A test that forgets stop() must not keep Jest from exiting, nor leave the server behind.
  proc.unref();
  const kill = () => proc.kill('SIGKILL');
  process.once('exit', kill);
  const url = `nats://127.0.0.1:${port}`;
  await waitFor(async () => {
    const nc = await connect({ servers: url, reconnect: false });
    await nc.close();
    return true;
  }, `nats-server on ${url}`);
  return {
    url,
    stop: async () => {
      process.removeListener('exit', kill);
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
