import { spawnSync, type ChildProcess } from 'node:child_process';
import { built, spawnChild } from './children';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, waitFor } from './ports';

export interface TestNats {
  url: string;
  stop(): Promise<void>;
  /** Kills the server (SIGKILL: no clean shutdown), keeping its port and store for `restart`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port; `wipe` empties its store first (the broker lost its data). */
  restart(opts?: { wipe?: boolean }): Promise<void>;
}

/** A real nats-server with JetStream for one test file: own port, own store directory, removed afterwards. */
export async function startNatsServer(): Promise<TestNats> {
  if (spawnSync('nats-server', ['--version']).error) {
    throw new Error('nats-server is not on PATH. Install it (Debian: apt-get install nats-server) or run .ci/run.');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'og-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawnChild('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    // A test that forgets stop() must not keep Jest from exiting, nor leave the server behind.
    proc.unref();
    await waitFor(async () => {
      const nc = await connect({ servers: url, reconnect: false });
      await nc.close();
      return true;
    }, `nats-server on ${url}`);
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    }
  };
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  await launch();
  return {
    url,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt('SIGKILL'),
    restart: async ({ wipe = false } = {}) => {
      await halt('SIGKILL');
      if (wipe) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
      await launch();
    },
  };
}
