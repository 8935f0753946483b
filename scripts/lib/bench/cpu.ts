// CPU time of processes for `npm run bench`, read from /proc (Linux only; elsewhere every
// reading is empty and the CPU figures print as n/a).
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { clockTicks, cpuSeconds } from '../isolated-stack';

/**
 * One pid's CPU from /proc/<pid>/stat (proc(5)), in seconds: `cpu` = utime + stime (fields 14,
 * 15), `reaped` = cutime + cstime (fields 16, 17: the time of its children that have exited
 * and been waited for, their own reaped children included). Undefined when it is gone.
 */
function statOf(pid: number, ticks: number): { ppid: number; cpu: number; reaped: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, may hold spaces): f[0] is field 3 (state).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks, reaped: (Number(f[13]) + Number(f[14])) / ticks };
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
 * CPU seconds (user + system) the process tree under `root` has used so far, e.g. a
 * PostgreSQL postmaster and its backends: each living process's own time plus its exited,
 * reaped children's (cutime + cstime). A backend that ends between two readings thus moves
 * from its own stat line into its parent's cutime instead of vanishing, and the figure never
 * goes down (without the reaped part an idle window with ending backends read negative).
 * A child that exited but is not reaped yet (a zombie) still shows its own time. Children
 * that a process does not wait for (reparented to init) are lost: PostgreSQL waits for all
 * of its own. NaN when `root` is gone; 0 everywhere without /proc.
 */
export function treeCpuSeconds(root: number): number {
  const ticks = clockTicks();
  const stats = new Map<number, { ppid: number; cpu: number; reaped: number }>();
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
    const s = stats.get(pid);
    total += s ? s.cpu + s.reaped : 0;
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
