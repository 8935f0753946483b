// Push latency for `npm run bench`: runs scripts/bench-push-latency.ts (owned by the
// subscriptions work; its own isolated stack, graphql-ws subscribers, its own report) as a
// child process and reads the figures the table needs from its report. Running it whole
// keeps one implementation of the push measurement; its stack starts after the main
// benchmark's stack has stopped, so the two never share the cores.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { entryArgs, ROOT } from '../isolated-stack';

export interface PushFigures {
  expected: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  /** The child's command line, for the report. */
  command: string;
  /** Its last lines when the figures could not be read. */
  failure?: string;
}

const num = (s: string | undefined) => (s === undefined || s === '—' ? NaN : Number(s.replace(/\s/g, '')));

/**
 * Reads the push report's two lines: "pushes  expected E … received R" and the row
 * "event committed → subscriber received (every push)  count p50 p95 p99 max".
 */
export function parsePushReport(text: string): Omit<PushFigures, 'command'> | undefined {
  const pushes = /pushes\s+expected (\d+)\b.*?received (\d+)\b/.exec(text);
  const lat = /event committed → subscriber received \(every push\)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(text);
  if (!pushes || !lat) return undefined;
  return { expected: Number(pushes[1]), received: Number(pushes[2]), p50Ms: num(lat[2]), p99Ms: num(lat[4]) };
}

/** `subscribers` × `rate` events/s for `seconds`, through scripts/bench-push-latency.ts. */
export function measurePush(o: { subscribers: number; rate: number; seconds: number; warmup: number; drain: number; databaseUrl?: string; fromBuild: boolean; verbose: boolean }): Promise<PushFigures> {
  const args = ['--subscribers', String(o.subscribers), '--rate', String(o.rate), '--duration', String(o.seconds), '--warmup', String(o.warmup), '--drain', String(o.drain), '--start-timeout', '400'];
  if (o.databaseUrl) args.push('--database-url', o.databaseUrl);
  const command = `npm run bench:push -- ${args.map((a) => (a === o.databaseUrl ? '<url>' : a)).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entryArgs('scripts/bench-push-latency', o.fromBuild), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    for (const s of [child.stdout!, child.stderr!]) {
      createInterface({ input: s }).on('line', (l) => {
        lines.push(l);
        if (o.verbose || l.startsWith('▸') || l.startsWith('✖')) console.log(`  push │ ${l}`);
      });
    }
    const stopChild = () => child.kill('SIGTERM');
    process.once('exit', stopChild);
    child.on('exit', (code) => {
      process.off('exit', stopChild);
      const figures = parsePushReport(lines.join('\n'));
      if (figures) resolve({ ...figures, command });
      else resolve({ expected: NaN, received: NaN, p50Ms: NaN, p99Ms: NaN, command, failure: `exit ${code}; last lines: ${lines.slice(-5).join(' ⏎ ')}` });
    });
  });
}
