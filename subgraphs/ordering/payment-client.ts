import CircuitBreaker from 'opossum';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { INTERNAL_TOKEN_HEADER } from '../../platform/service';
import { tracedCall } from '../../platform/tracing';
import { Pool } from 'undici';
import type { PAYMENT_METHODS } from '../payment/contracts';

/** Who calls whom, for the client span (platform/tracing.ts). */
const PEER = { service: 'ordering', peer: 'payment' };

export interface PaymentClientConfig {
  /** Payment's internal base URL, e.g. http://127.0.0.1:4003 — never the router. */
  baseUrl: string;
  token: string;
  /** Per-call timeout (the seeds used 610 ms). */
  timeoutMs: number;
  /** How long the breaker stays open before it lets one trial call through. */
  resetMs: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls in the window before the breaker may open at all. */
  volumeThreshold: number;
  /**
   * Bulkhead ceiling: approve calls allowed in flight at once, whatever the measurements say;
   * more are refused at once. Without `targetRate` it is the bulkhead's fixed size.
   */
  maxConcurrent: number;
  /** Bulkhead floor when sized from measurements (default: 1). */
  minConcurrent?: number;
  /**
   * Orders per second the bulkhead is sized for. When set, the bulkhead's size follows
   * Little's law: places ≈ targetRate × median latency of recent approve calls (s), rounded up,
   * within [minConcurrent, maxConcurrent] (the ceiling wins if they cross). Before the first measurements the latency is taken
   * to be `timeoutMs` (the most a call may take).
   */
  targetRate?: number;
  /**
   * Admission queue ({@link PaymentClient.admit}): orders waiting for a bulkhead place, at most
   * this many (default 0: none, a full bulkhead refuses at once). Beyond it: BUSY.
   */
  queueMax?: number;
  /** The longest an order waits in the admission queue (ms) before it is refused BUSY (default 5000). */
  queueWaitMs?: number;
}

/** Approve latencies kept for the median (the most recent ones), and how often the size is recomputed. */
const LATENCY_WINDOW = 256;
const RESIZE_EVERY = 16;

/**
 * The bulkhead's size from measured latency (Little's law, L = λ·W): to complete `targetRate`
 * calls a second when a call takes `seconds` (the median of recent calls: W is the typical
 * time payment needs, not a tail that queueing inflates), about `targetRate × seconds` calls
 * are in flight at once. Bursts beyond it wait in the admission queue rather than being
 * refused. Within [min, max]; `max` wins when min > max. Source of the rule: issue 13, point 2.
 */
export function bulkheadSize(targetRate: number, seconds: number, min: number, max: number): number {
  // The ceiling wins over the floor when they cross (PAYMENT_MAX_CONCURRENT set below the default floor).
  return Math.min(max, Math.max(min, Math.ceil(targetRate * seconds)));
}

export interface ApproveRequest {
  orderId: string;
  customerId: string;
  amount: number;
  method: (typeof PAYMENT_METHODS)[number];
}

export type PaymentLookup = { paymentId: string; status: 'APPROVED' | 'VOIDED' | 'CANCELLED' } | null;

/** Payment answered, and said no: not a fault of payment's, so it does not count against the breaker. */
class PaymentDeclined extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentDeclined';
  }
}

/**
 * The outcome of a failed approve call, for deciding whether a charge might exist.
 * `reached`: false when the request provably never reached payment (connection refused,
 * host unknown, breaker open, bulkhead full): nothing can exist at payment for the order.
 * `reason` (for clients): CIRCUIT_OPEN, BUSY or UNREACHABLE for those.
 */
export type ApproveFailure = {
  code: 'PAYMENT_DECLINED' | 'PAYMENT_UNAVAILABLE';
  maybeCharged: boolean;
  reached: boolean;
  reason?: 'CIRCUIT_OPEN' | 'BUSY' | 'UNREACHABLE';
  message: string;
};

/** A place in the bulkhead (and, while the breaker is half-open, the one trial call), taken before the order is written. */
export interface PaymentPermit {
  /** Gives the place back; idempotent. approve() releases the permit it is given. */
  release(): void;
}

/**
 * Ordering's one synchronous dependency. Approve goes through a circuit breaker
 * (opossum) with a timeout: a slow or dead payment makes orders fail fast with
 * PAYMENT_UNAVAILABLE instead of piling up, and the breaker half-opens after
 * `resetMs` to find out whether payment is back.
 */
export class PaymentClient {
  readonly breaker: CircuitBreaker<[ApproveRequest], { paymentId: string }>;
  private inFlight = 0;
  /** The bulkhead's current size (fixed at maxConcurrent unless targetRate is set). */
  private limit: number;
  /** Recent approve latencies in seconds (a ring of LATENCY_WINDOW). */
  private readonly latencies: number[] = [];
  private latencyNext = 0;
  private sinceResize = 0;
  /** While half-open: an order holds the one trial call (from reserve() until its approve() settles). */
  private trialHeld = false;
  /**
   * Keep-alive connections to payment (undici), with the socket timeouts as dispatcher
   * options: cheaper per call than `fetch` with an AbortSignal (issue 13's router profile).
   * `headersTimeout` frees a socket whose call the breaker has already given up on.
   */
  private readonly pool: Pool;
  /** The path of `baseUrl` (usually empty), before every call's path. */
  private readonly prefix: string;
  /** Orders waiting for a place (admit()), first come first served. */
  private readonly waiting: Array<{ grant: () => void; refuse: (e: DomainError) => void }> = [];
  /** Told of every refusal made before trying (metrics: ordergraph_breaker_refusals_total). */
  onRefused?: (reason: 'CIRCUIT_OPEN' | 'BUSY') => void;

  constructor(
    private readonly cfg: PaymentClientConfig,
    private readonly log: Logger,
  ) {
    const base = new URL(cfg.baseUrl);
    this.prefix = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, { headersTimeout: cfg.timeoutMs * 3, bodyTimeout: cfg.timeoutMs * 3, connectTimeout: cfg.timeoutMs * 3 });
    this.limit = cfg.targetRate ? bulkheadSize(cfg.targetRate, cfg.timeoutMs / 1000, cfg.minConcurrent ?? 1, cfg.maxConcurrent) : cfg.maxConcurrent;
    this.breaker = new CircuitBreaker((req: ApproveRequest) => this.timed(this.post('/internal/payments', req), req), {
      name: 'payment.approve',
      // The call's time limit is timed() (below), not opossum's timer.
      timeout: false,
      resetTimeout: cfg.resetMs,
      errorThresholdPercentage: cfg.errorThresholdPercentage,
      volumeThreshold: cfg.volumeThreshold,
      rollingCountTimeout: 10_000,
      errorFilter: (e: Error) => e instanceof PaymentDeclined,
      capacity: cfg.maxConcurrent,
    });
    this.breaker.on('open', () => log.warn({ breaker: 'payment.approve' }, 'circuit opened: payment calls fail fast'));
    this.breaker.on('halfOpen', () => log.info({ breaker: 'payment.approve' }, 'circuit half-open: trying payment again'));
    this.breaker.on('close', () => log.info({ breaker: 'payment.approve' }, 'circuit closed: payment is back'));
  }

  /**
   * Fails fast, before the caller writes anything, when a call could not be made
   * now: the breaker is open, or as many calls as the bulkhead holds ({@link concurrencyLimit})
   * are already waiting on payment.
   * Under overload this is what keeps ordering responsive: a refusal costs no
   * database write and no payment call.
   */
  assertAvailable(): void {
    if (this.circuitRefuses()) throw this.refusal('CIRCUIT_OPEN');
    if (this.inFlight >= this.limit) throw this.refusal('BUSY');
  }

  /**
   * assertAvailable(), and takes the place at once (synchronously), so orders arriving
   * together cannot all pass the check before any of them calls payment: the bulkhead
   * counts reserved places, and in half-open only the reserving order gets the trial call.
   * Throws PAYMENT_UNAVAILABLE (reason CIRCUIT_OPEN or BUSY).
   */
  reserve(): PaymentPermit {
    this.assertAvailable();
    return this.take();
  }

  /**
   * Admission control: like reserve(), but when the bulkhead is full the order waits in a
   * bounded FIFO queue (at most `queueMax` orders, each at most `queueWaitMs`) for a place
   * instead of being refused at once: a machine that is merely busy delays orders, it does
   * not fail them. The wait is not part of the call's timeout (the breaker times the call
   * only, from approve()). Refused PAYMENT_UNAVAILABLE, before anything is written:
   * CIRCUIT_OPEN while the breaker is open (also for orders already waiting when it opens),
   * BUSY when the queue is full or the wait ran out. Source: issue 13 (syncpath, point 2).
   */
  admit(): Promise<PaymentPermit> {
    const queueMax = this.cfg.queueMax ?? 0;
    if (this.circuitRefuses() || this.inFlight < this.limit || this.waiting.length >= queueMax) {
      try {
        return Promise.resolve(this.reserve());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<PaymentPermit>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.take());
        },
        refuse: (e: DomainError) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.refusal('BUSY'));
      }, this.cfg.queueWaitMs ?? 5000);
      this.waiting.push(waiter);
    });
  }

  /** Orders waiting in the admission queue now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** True when the breaker refuses a new call now (open, or half-open with its one trial taken). */
  private circuitRefuses(): boolean {
    // Half-open lets exactly one trial call through (opossum rejects the rest with EOPENBREAKER
    // once it fired): while an order holds the trial, or opossum already fired it, others are refused.
    const trialTaken = this.breaker.halfOpen && (this.trialHeld || !this.breaker.pendingClose);
    return (this.breaker.opened && !this.breaker.halfOpen) || trialTaken;
  }

  private refusal(reason: 'CIRCUIT_OPEN' | 'BUSY'): DomainError {
    this.onRefused?.(reason);
    return reason === 'CIRCUIT_OPEN'
      ? new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payment is unavailable right now (circuit open). Please retry shortly.', { reason: 'CIRCUIT_OPEN' })
      : new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payment is busy right now (too many pending payments). Please retry shortly.', { reason: 'BUSY' });
  }

  /** Takes a place (and the trial while half-open); its release hands the place to the next waiting order. */
  private take(): PaymentPermit {
    const trial = this.breaker.halfOpen;
    if (trial) this.trialHeld = true;
    this.inFlight++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        if (trial) this.trialHeld = false;
        this.admitWaiting();
      },
    };
  }

  /** Gives free places to waiting orders, in order; refuses them all while the breaker refuses. */
  private admitWaiting(): void {
    while (this.waiting.length) {
      if (this.circuitRefuses()) {
        for (const w of this.waiting.splice(0)) w.refuse(this.refusal('CIRCUIT_OPEN'));
        return;
      }
      if (this.inFlight >= this.limit) return;
      this.waiting.shift()!.grant();
    }
  }

  /**
   * Charges the order (idempotent by order id at payment). Throws ApproveFailure-carrying
   * DomainErrors. `permit` from reserve() (released when the call settles); without one the
   * call takes a place unchecked.
   */
  async approve(req: ApproveRequest, permit?: PaymentPermit): Promise<{ paymentId: string }> {
    if (!permit) this.inFlight++;
    const started = performance.now();
    try {
      const approved = await this.breaker.fire(req);
      this.measured((performance.now() - started) / 1000);
      return approved;
    } catch (e) {
      const failure = this.toFailure(e as Error & { code?: string });
      // A call payment answered (declined) or that ran out of time says how long calls take; a refusal before sending does not.
      if (failure.failure.reached) this.measured((performance.now() - started) / 1000);
      throw failure;
    } finally {
      if (permit) permit.release();
      else {
        this.inFlight--;
        this.admitWaiting();
      }
    }
  }

  /** Places in the bulkhead now: maxConcurrent, or sized from measured latency when targetRate is set. */
  get concurrencyLimit(): number {
    return this.limit;
  }

  /** Records one approve call's latency; every RESIZE_EVERY calls the bulkhead is resized from the window's median. */
  private measured(seconds: number): void {
    if (!this.cfg.targetRate) return;
    this.latencies[this.latencyNext] = seconds;
    this.latencyNext = (this.latencyNext + 1) % LATENCY_WINDOW;
    if (++this.sinceResize < RESIZE_EVERY) return;
    this.sinceResize = 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
    const next = bulkheadSize(this.cfg.targetRate, p50, this.cfg.minConcurrent ?? 1, this.cfg.maxConcurrent);
    if (next !== this.limit) this.log.debug({ bulkhead: 'payment.approve', from: this.limit, to: next, p50Ms: Math.round(p50 * 1000) }, 'bulkhead resized from measured latency');
    this.limit = next;
    // A larger bulkhead has room for orders waiting now.
    this.admitWaiting();
  }

  private toFailure(e: Error & { code?: string }): DomainError & { failure: ApproveFailure } {
    let failure: ApproveFailure;
    if (e instanceof PaymentDeclined) failure = { code: 'PAYMENT_DECLINED', maybeCharged: false, reached: true, message: e.message };
    else if (e.code === 'EOPENBREAKER')
      failure = { code: 'PAYMENT_UNAVAILABLE', maybeCharged: false, reached: false, reason: 'CIRCUIT_OPEN', message: 'Payment is unavailable right now (circuit open). Please retry shortly.' };
    else if (e.code === 'ESEMLOCKED')
      failure = { code: 'PAYMENT_UNAVAILABLE', maybeCharged: false, reached: false, reason: 'BUSY', message: 'Payment is busy right now (too many pending payments). Please retry shortly.' };
    else if (isRefused(e))
      failure = { code: 'PAYMENT_UNAVAILABLE', maybeCharged: false, reached: false, reason: 'UNREACHABLE', message: 'Payment cannot be reached right now. Please retry shortly.' };
    else
      // A timeout or a broken answer: payment may have charged; the order is voided at payment.
      failure = { code: 'PAYMENT_UNAVAILABLE', maybeCharged: true, reached: true, message: 'Payment did not answer in time. Please retry shortly.' };
    const err = new DomainError(ErrorCode[failure.code], failure.message, failure.reason ? { reason: failure.reason } : {}) as DomainError & { failure: ApproveFailure };
    err.failure = failure;
    return err;
  }

  /** What payment knows about an order; null when it has no payment. Used by recovery. */
  async find(orderId: string): Promise<PaymentLookup> {
    const res = await this.call('GET', `/internal/payments/by-order/${encodeURIComponent(orderId)}`);
    if (res.status === 404) return null;
    if (res.status >= 300) throw new Error(`payment lookup answered ${res.status}`);
    return JSON.parse(res.text) as PaymentLookup;
  }

  /** Makes sure the order is never charged: voids its payment, or records that it must not be approved. Idempotent. */
  async void(orderId: string): Promise<void> {
    await this.post('/internal/payments/void', { orderId });
  }

  shutdown(): void {
    for (const w of this.waiting.splice(0)) w.refuse(this.refusal('BUSY'));
    this.breaker.shutdown();
    void this.pool.close().catch(() => undefined);
  }

  /**
   * The approve call with its time limit (`timeoutMs`): on a saturated machine the timer and
   * payment's answer can become due in the same turn of the event loop, and timers run before
   * I/O is read, so a plain timer fails calls whose answer had already arrived (the wait was
   * in our own process, not at payment). When the timer fires this first lets pending I/O be
   * read (setImmediate runs after the poll phase) and fails the call only if it is still
   * unanswered then: with `ETIMEDOUT`, reported to the breaker as opossum's own timeouts are
   * ('timeout' event, then a failure).
   */
  private timed<T>(call: Promise<T>, req: ApproveRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const started = performance.now();
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (settled) return;
            settled = true;
            const error = Object.assign(new Error(`Timed out after ${this.cfg.timeoutMs}ms`), { code: 'ETIMEDOUT' });
            this.breaker.emit('timeout', error, performance.now() - started, [req]);
            reject(error);
          }),
        this.cfg.timeoutMs,
      );
      call.then(
        (v) => {
          clearTimeout(timer);
          if (!settled) (settled = true), resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          if (!settled) (settled = true), reject(e);
        },
      );
    });
  }

  private async post(path: string, body: unknown): Promise<{ paymentId: string }> {
    const res = await this.call('POST', path, JSON.stringify(body));
    let json: { paymentId?: string; code?: string; message?: string } = {};
    try {
      json = JSON.parse(res.text) as typeof json;
    } catch {
      // not JSON: judged by its status below
    }
    if (res.status === 422 && json.code === 'PAYMENT_DECLINED') throw new PaymentDeclined(json.message ?? 'Payment declined.');
    if (res.status >= 300 || (path === '/internal/payments' && !json.paymentId)) throw new Error(`payment answered ${res.status}`);
    return json as { paymentId: string };
  }

  /** One HTTP call to payment with the internal token, traced (a client span and traceparent). */
  private async call(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { [INTERNAL_TOKEN_HEADER]: this.cfg.token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const full = `${this.prefix}${path}`;
    const res = await tracedCall(new URL(full, this.cfg.baseUrl), method, headers, PEER, () => this.pool.request({ path: full, method, headers, body }));
    return { status: res.statusCode, text: await res.body.text() };
  }
}

function isRefused(e: Error & { code?: string }): boolean {
  const code = (e.cause as { code?: string } | undefined)?.code ?? e.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}
