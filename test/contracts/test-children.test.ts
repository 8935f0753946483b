// The test suite's own guarantee (test/support/children.ts): no process a test starts holds
// Jest's pipes or outlives its file, so a failed test can never keep `npm test` (and CI) from
// exiting. A process started with stdio 'inherit' gets a pipe of ours, not our stderr; the
// clean-up kills it and its process group; and no test file starts a process around the helper.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { alive, killChildren, runningChildren, spawnChild } from '../support/children';
import { waitFor } from '../support/ports';

const ROOT = join(__dirname, '..', '..');

test("a child given stdio 'inherit' does not hold this worker's stdout or stderr, and its output still arrives", async () => {
  const child = spawnChild(process.execPath, ['-e', 'process.stderr.write("hello from the child\\n"); setInterval(() => {}, 1000)'], { stdio: 'inherit' });
  const seen: string[] = [];
  child.stderr!.on('data', (d: Buffer) => seen.push(d.toString()));
  await waitFor(() => seen.join('').includes('hello from the child'), 'the child to write');
  for (const fd of [1, 2]) expect(readlinkSync(`/proc/${child.pid}/fd/${fd}`)).not.toBe(readlinkSync(`/proc/self/fd/${fd}`));
  await killChildren();
  expect(alive(child.pid!)).toBe(false);
});

test('killChildren kills every running child, and with group: true what the child started too', async () => {
  // A shell that starts a grandchild and waits, as `npm start` does.
  const leader = spawnChild('sh', ['-c', 'sleep 120 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'], group: true });
  let out = '';
  leader.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => /^\d+\n/.test(out), 'the grandchild to start');
  const grandchild = Number(out.trim());
  const plain = spawnChild(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  expect(runningChildren()).toBe(2);
  await killChildren();
  expect(runningChildren()).toBe(0);
  expect(alive(plain.pid!)).toBe(false);
  await waitFor(() => !alive(grandchild), 'the grandchild to be gone', 5000, 50);
});

test('no test file starts a process with child_process.spawn directly (only through spawnChild)', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith(join('support', 'children.ts'))) {
        const src = readFileSync(path, 'utf8');
        const imported = /import\s*\{([^}]*)\}\s*from\s*'node:child_process'/.exec(src)?.[1] ?? '';
        if (/(^|[\s,])(spawn|fork|exec)([\s,]|$)/.test(imported)) offenders.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'test'));
  expect(offenders).toEqual([]);
});
