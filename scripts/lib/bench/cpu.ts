// CPU time of processes for `npm run bench`, read from /proc (Linux only; elsewhere every
// reading is empty and the CPU figures print as n/a).
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { clockTicks, cpuSeconds } from '../isolated-stack';

/** [ppid, utime+stime in seconds] of one pid from /proc/<pid>/stat; undefined when it is gone. */
function statOf(pid: number, ticks: number): { ppid: number; cpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks };
  } catch {
    return undefined;
  }
}

/** Every process id under /proc (empty when there is no /proc). */
function allPids(): number[] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds (user + system) of `root` and all its living descendants, e.g. a PostgreSQL
 * postmaster and its backends. A child that exited between two readings is missing from the
 * later one (its time goes to the parent's cutime only after it is reaped, which this ignores),
 * so short-lived children make the figure a lower bound.
 */
export function treeCpuSeconds(root: number): number {
  const ticks = clockTicks();
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const pid of allPids()) {
    const s = statOf(pid, ticks);
    if (s) stats.set(pid, s);
  }
  if (!stats.has(root)) return NaN;
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) (children.get(s.ppid) ?? children.set(s.ppid, []).get(s.ppid)!).push(pid);
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    total += stats.get(pid)?.cpu ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * Where PostgreSQL's CPU comes from: the whole process tree of a server this benchmark started
 * (`postmasterPid`), or, on a shared server, the backends serving this run's databases
 * (pg_stat_activity, read at each sample; a backend that ended between samples is lost, so on
 * a shared server the figure is a lower bound).
 */
export type PostgresCpuSource = { kind: 'tree'; postmasterPid: number } | { kind: 'backends'; adminUrl: string; databases: string[] } | { kind: 'none' };

/** Backend pids of `databases` on the server at `adminUrl`. */
async function backendPids(adminUrl: string, databases: string[]): Promise<number[]> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])', [databases]);
    return r.rows.map((x) => x.pid);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** One reading of every process this benchmark watches: seconds of CPU by name. */
export type CpuReading = Record<string, number>;

/**
 * Reads CPU seconds of the named pids (router, contexts, nats-server, gateways…) and of
 * PostgreSQL (as 'postgres', see PostgresCpuSource). On a shared server, backends are matched
 * between readings by pid, so only backends alive at both count.
 */
export class CpuMeter {
  constructor(
    private readonly pids: () => Record<string, number>,
    private readonly postgres: PostgresCpuSource,
  ) {}

  async read(): Promise<{ at: number; byName: CpuReading; pgBackends: Record<number, number> }> {
    const byName = cpuSeconds(this.pids());
    const pgBackends: Record<number, number> = {};
    if (this.postgres.kind === 'tree') byName.postgres = treeCpuSeconds(this.postgres.postmasterPid);
    else if (this.postgres.kind === 'backends') {
      const pids = await backendPids(this.postgres.adminUrl, this.postgres.databases).catch(() => []);
      const ticks = clockTicks();
      for (const pid of pids) {
        const s = statOf(pid, ticks);
        if (s) pgBackends[pid] = s.cpu;
      }
    }
    return { at: Date.now(), byName, pgBackends };
  }

  /** CPU seconds used between two readings, by name (with 'postgres' when known). */
  static between(a: Awaited<ReturnType<CpuMeter['read']>>, b: Awaited<ReturnType<CpuMeter['read']>>): CpuReading {
    const out: CpuReading = {};
    for (const [k, v] of Object.entries(b.byName)) if (a.byName[k] !== undefined) out[k] = v - a.byName[k];
    const backends = Object.keys(b.pgBackends);
    if (backends.length) {
      // A backend that started after `a` counts from zero: it did all its work inside the window.
      out.postgres = backends.reduce((sum, pid) => sum + (b.pgBackends[Number(pid)] - (a.pgBackends[Number(pid)] ?? 0)), 0);
    }
    return out;
  }
}
