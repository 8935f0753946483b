import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Express } from 'express';
import type { Logger } from './logger';

/** One check's verdict; `detail` says why it failed (or what it saw), never a secret. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
  /** Set on checks that are reported but do not decide readiness. */
  advisory?: boolean;
}

export const pass = (detail?: string): CheckResult => (detail ? { ok: true, detail } : { ok: true });
export const fail = (detail: string): CheckResult => ({ ok: false, detail });

interface Polled {
  run: () => Promise<CheckResult>;
  /** Reported, but does not decide readiness. */
  advisory?: boolean;
  last?: CheckResult;
  at?: number;
}

export interface ReadinessReport {
  status: 'ready' | 'not ready';
  service: string;
  /** starting (connecting, catching up its set-up), running, or draining (after SIGTERM). */
  phase: 'starting' | 'running' | 'draining';
  checks: Record<string, CheckResult>;
}

/**
 * What `/health/ready` answers: whether this process can do its work now. Two kinds of
 * checks: `addCheck` for flags read on every probe (NATS connected, consumers running,
 * the relay's failure streak), and `addPolledCheck` for checks that cost I/O (a database
 * round trip, a stream lookup), run in the background every `intervalMs` with a
 * `timeoutMs` deadline; a probe only reads their last result, so probing every second
 * costs nothing. A polled result older than three intervals counts as failed (its
 * refresher is stuck). Not ready while starting and from `draining()` on (SIGTERM), so a
 * load balancer stops routing before the process stops.
 */
export class Readiness {
  private readonly flags = new Map<string, () => CheckResult>();
  private readonly polled = new Map<string, Polled>();
  private phase: ReadinessReport['phase'] = 'starting';
  private startingDetail = 'starting';
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;

  constructor(
    readonly service: string,
    private readonly opts: { intervalMs: number; timeoutMs?: number; log?: Logger },
  ) {}

  addCheck(name: string, check: () => CheckResult): this {
    this.flags.set(name, check);
    return this;
  }

  /** `advisory`: reported (with `advisory: true`) but not deciding readiness, e.g. the router's view of its subgraphs. */
  addPolledCheck(name: string, run: () => Promise<CheckResult>, opts: { advisory?: boolean } = {}): this {
    this.polled.set(name, { run, advisory: opts.advisory });
    return this;
  }

  /** Still starting: `detail` says on what it waits (e.g. "waiting for NATS at nats://…, attempt 4"). */
  starting(detail: string): void {
    if (this.phase === 'starting') this.startingDetail = detail;
  }

  /** Start-up is done: runs every polled check once, then keeps them fresh. */
  async running(): Promise<void> {
    if (this.phase === 'draining') return;
    this.phase = 'running';
    await this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), this.opts.intervalMs).unref();
  }

  /** Shutting down: not ready from now on. */
  draining(): void {
    this.phase = 'draining';
    clearInterval(this.timer);
  }

  get isDraining(): boolean {
    return this.phase === 'draining';
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Runs every polled check now (one refresh at a time). */
  refresh(): Promise<void> {
    return (this.refreshing ??= (async () => {
      const timeoutMs = this.opts.timeoutMs ?? 2000;
      await Promise.all(
        [...this.polled.entries()].map(async ([name, p]) => {
          let t: NodeJS.Timeout | undefined;
          const deadline = new Promise<CheckResult>((r) => {
            t = setTimeout(() => r(fail(`no answer within ${timeoutMs} ms`)), timeoutMs);
          });
          const result = await Promise.race([p.run().catch((e: Error) => fail(e.message ?? String(e))), deadline]);
          clearTimeout(t);
          if (p.last?.ok !== result.ok) this.opts.log?.[result.ok ? 'info' : 'warn']({ check: name, ...result }, `readiness check ${name} ${result.ok ? 'passes' : 'fails'}`);
          p.last = result;
          p.at = Date.now();
        }),
      );
    })().finally(() => (this.refreshing = undefined)));
  }

  report(): ReadinessReport {
    const checks: Record<string, CheckResult> = {};
    if (this.phase === 'starting') checks.started = fail(this.startingDetail);
    if (this.phase === 'draining') checks.draining = fail('shutting down (SIGTERM)');
    if (this.phase === 'running') {
      for (const [name, check] of this.flags) {
        try {
          checks[name] = check();
        } catch (e) {
          checks[name] = fail((e as Error).message);
        }
      }
      const staleAfter = 3 * this.opts.intervalMs + (this.opts.timeoutMs ?? 2000);
      for (const [name, p] of this.polled) {
        if (!p.last || p.at === undefined) checks[name] = fail('not checked yet');
        else if (Date.now() - p.at > staleAfter) checks[name] = fail(`last checked ${Math.round((Date.now() - p.at) / 1000)} s ago`);
        else checks[name] = p.last;
        if (p.advisory) checks[name] = { ...checks[name], advisory: true };
      }
    }
    const ready = this.phase === 'running' && Object.values(checks).every((c) => c.ok || c.advisory);
    return { status: ready ? 'ready' : 'not ready', service: this.service, phase: this.phase, checks };
  }
}

export interface LivenessReport {
  status: 'ok' | 'stalled';
  service: string;
  /** The longest event-loop delay seen in the current and the previous window, in milliseconds. */
  eventLoopDelayMaxMs: number;
  thresholdMs: number;
}

/**
 * What `/health/live` answers. A process whose event loop is stuck cannot answer at all,
 * so a liveness probe with a timeout fails within one period by itself. This adds the
 * slow case: the loop still turns but was blocked longer than `maxDelayMs` at once
 * (perf_hooks' monitorEventLoopDelay, 20 ms resolution) in the current or the previous
 * `windowMs` window; then the answer is 503. A single long pause fails for at most two
 * windows; an orchestrator restarts only after its failure threshold (e.g. 3 probes).
 */
export class Liveness {
  private histogram?: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  private previousMaxMs = 0;

  constructor(
    readonly service: string,
    private readonly opts: { maxDelayMs: number; windowMs: number },
  ) {}

  start(): this {
    if (this.histogram) return this;
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previousMaxMs = this.currentMaxMs();
      this.histogram?.reset();
    }, this.opts.windowMs).unref();
    return this;
  }

  /** Forgets what was seen so far: called once start-up is done (loading code and schemas may block for seconds; that is not a hang). */
  reset(): void {
    this.previousMaxMs = 0;
    this.histogram?.reset();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
    this.histogram = undefined;
  }

  private currentMaxMs(): number {
    return this.histogram ? this.histogram.max / 1e6 : 0;
  }

  report(): LivenessReport {
    const worst = Math.max(this.previousMaxMs, this.currentMaxMs());
    return { status: worst > this.opts.maxDelayMs ? 'stalled' : 'ok', service: this.service, eventLoopDelayMaxMs: Math.round(worst), thresholdMs: this.opts.maxDelayMs };
  }
}

/** `GET /health/live` and `GET /health/ready`, unauthenticated: 200 when fine, 503 with the report otherwise. */
export function mountHealth(app: Express, readiness: Readiness, liveness: Liveness): void {
  app.get('/health/live', (_req, res) => {
    const r = liveness.report();
    res.status(r.status === 'ok' ? 200 : 503).json(r);
  });
  app.get('/health/ready', (_req, res) => {
    const r = readiness.report();
    res.status(r.status === 'ready' ? 200 : 503).json(r);
  });
}

/** Health settings shared by every process (validated with the rest of its config). */
export interface HealthSettings {
  HEALTH_CHECK_INTERVAL_MS: number;
  LIVENESS_MAX_EVENT_LOOP_DELAY_MS: number;
}

/** A started Liveness whose window is the check interval (so one long pause shows for 1–2 intervals). */
export const livenessFor = (service: string, s: HealthSettings) =>
  new Liveness(service, { maxDelayMs: s.LIVENESS_MAX_EVENT_LOOP_DELAY_MS, windowMs: s.HEALTH_CHECK_INTERVAL_MS }).start();
