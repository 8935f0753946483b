// Pure helpers of `npm run bench` (scripts/bench.ts): percentiles, medians, ratios, the
// targets of issue 13 and the one table the benchmark prints. No I/O here, so that
// test/contracts/bench-stats.test.ts can check every rule.

/** Nearest-rank percentile (p in 0..100) of values in any order; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The median (mean of the two middle values for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** a / b, NaN when b is 0 or either is not finite. */
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);

/** Adds 1 to `key` in a count map (errors by code, …). */
export function bump(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** "PAYMENT_UNAVAILABLE 12 · HTTP 502 1", most frequent first; "none" when empty. */
export function formatCounts(counts: ReadonlyMap<string, number>): string {
  const entries = [...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(' · ') : 'none';
}

/** A number for the table: NaN → "n/a", < 10 with one decimal unless whole, else rounded with thin thousands separators. */
export function fmt(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (digits !== undefined) return n.toFixed(digits);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
  if (abs >= 10 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(abs >= 1 ? 1 : 2);
}

/** A target of issue 13: the bound, which side is good, and how it reads in the table. */
export interface Target {
  /** The figure must be ≤ (at most) or ≥ (at least) `bound`. */
  op: '<=' | '>=';
  bound: number;
  /** As printed, e.g. "≤ 25 ms". Default: op and bound. */
  label?: string;
}

export const atMost = (bound: number, label?: string): Target => ({ op: '<=', bound, label });
export const atLeast = (bound: number, label?: string): Target => ({ op: '>=', bound, label });

/** Met (true), not met (false) or not measured (undefined: the figure is NaN). ±Infinity is a figure: "never" (did not drain, did not converge). */
export function meets(value: number, t: Target): boolean | undefined {
  if (Number.isNaN(value)) return undefined;
  return t.op === '<=' ? value <= t.bound : value >= t.bound;
}

/** The targets of issue 13 ("What must hold", 2.), one per figure the benchmark compares. */
export const TARGETS = {
  /** CPU per placed order, all processes together. */
  cpuPerOrderMs: atMost(25, '≤ 25 ms'),
  /** placeOrder at 50 clients. */
  ordersPerSecondAt50: atLeast(100, '≥ 100/s'),
  placeP99At50Ms: atMost(200, '≤ 200 ms'),
  placeErrorsAt50: atMost(0, 'none'),
  /** Saga convergence at that load, and the drain after it. */
  convergenceP99Ms: atMost(300, '≤ 300 ms'),
  drainMs: atMost(1000, '≤ 1 s'),
  /** Outbox relay against raw async JetStream publishing (256 in flight). */
  relayShareOfRaw: atLeast(0.5, '≥ 0.50×'),
  relayPickupP50Ms: atMost(10, '≤ 10 ms'),
  /** Router against the plain @apollo/gateway (throughput ratio; CPU per request ratio). */
  routerVsPlain: atLeast(1, '≥ 1.0×'),
  routerCpuVsPlain: atMost(1, '≤ 1.0×'),
  /** Router against Hive Gateway, in-flight deduplication on both sides. */
  routerVsHiveDedupe: atLeast(1, '≥ 1.0×'),
  /** Live status at 50 subscribers × 20 events/s. */
  pushDeliveredShare: atLeast(1, '100 %'),
  pushP99Ms: atMost(50, '≤ 50 ms'),
  /**
   * History: placeOrder with 100 000 orders of history "equal" to an empty system. Read here as
   * CPU per order at most 1.10× and orders/s at least 0.90× the empty system's (the noise of one run).
   */
  historyCpuRatio: atMost(1.1, '≤ 1.10× (≈ equal)'),
  historyThroughputRatio: atLeast(0.9, '≥ 0.90× (≈ equal)'),
} satisfies Record<string, Target>;

/** One line of the table: a figure, and its target when issue 13 sets one. */
export interface Row {
  section: string;
  metric: string;
  value: string;
  /** The number compared with the target (NaN: not measured). */
  numeric?: number;
  target?: Target;
  /** Extra words after the verdict (parts, counts). */
  note?: string;
}

/** The verdict column: "met", "NOT met", "n/a" (not measured) or "" (no target). */
export function verdict(row: Row): string {
  if (!row.target) return '';
  const m = meets(row.numeric ?? NaN, row.target);
  return m === undefined ? 'n/a' : m ? 'met' : 'NOT met';
}

const width = (s: string) => [...s].length;
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;

/**
 * The benchmark's one table, as text: a header block (`header` lines, as given), then one
 * line per row grouped by section — metric, value, target of issue 13, verdict, note.
 */
export function renderTable(header: readonly string[], rows: readonly Row[]): string {
  const mw = Math.max(6, ...rows.map((r) => width(r.metric)));
  const vw = Math.max(5, ...rows.map((r) => width(r.value)));
  const tw = Math.max(6, ...rows.map((r) => width(r.target?.label ?? (r.target ? `${r.target.op} ${r.target.bound}` : ''))));
  const line = '─'.repeat(Math.min(160, mw + vw + tw + 24));
  const out: string[] = [line, ...header, line];
  out.push(`${padEnd('figure', mw)}  ${padStart('value', vw)}  ${padEnd('target', tw)}  ${padEnd('verdict', 7)}  note`);
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      out.push('', `${section}`);
    }
    const target = r.target ? (r.target.label ?? `${r.target.op} ${r.target.bound}`) : '';
    out.push(`${padEnd(r.metric, mw)}  ${padStart(r.value, vw)}  ${padEnd(target, tw)}  ${padEnd(verdict(r), 7)}  ${r.note ?? ''}`.trimEnd());
  }
  const judged = rows.filter((r) => r.target);
  const met = judged.filter((r) => verdict(r) === 'met').length;
  const notMeasured = judged.filter((r) => verdict(r) === 'n/a').length;
  out.push('', `targets of issue 13: ${met} of ${judged.length} met${notMeasured ? `, ${notMeasured} not measured` : ''}`, line);
  return out.join('\n');
}
