import CircuitBreaker from 'opossum';
import { DomainError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { INTERNAL_TOKEN_HEADER } from '../../platform/service';
import { tracedFetch } from '../../platform/tracing';
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
  /** Bulkhead: approve calls allowed in flight at once; more are refused at once. */
  maxConcurrent: number;
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
  /** While half-open: an order holds the one trial call (from reserve() until its approve() settles). */
  private trialHeld = false;
  /** Told of every refusal made before trying (metrics: ordergraph_breaker_refusals_total). */
  onRefused?: (reason: 'CIRCUIT_OPEN' | 'BUSY') => void;

  constructor(
    private readonly cfg: PaymentClientConfig,
    private readonly log: Logger,
  ) {
    this.breaker = new CircuitBreaker((req: ApproveRequest) => this.post('/internal/payments', req), {
      name: 'payment.approve',
      timeout: cfg.timeoutMs,
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
   * now: the breaker is open, or `maxConcurrent` calls are already waiting on payment.
   * Under overload this is what keeps ordering responsive: a refusal costs no
   * database write and no payment call.
   */
  assertAvailable(): void {
    // Half-open lets exactly one trial call through (opossum rejects the rest with EOPENBREAKER
    // once it fired): while an order holds the trial, or opossum already fired it, others are refused here.
    const trialTaken = this.breaker.halfOpen && (this.trialHeld || !this.breaker.pendingClose);
    if ((this.breaker.opened && !this.breaker.halfOpen) || trialTaken) {
      this.onRefused?.('CIRCUIT_OPEN');
      throw new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payment is unavailable right now (circuit open). Please retry shortly.', { reason: 'CIRCUIT_OPEN' });
    }
    if (this.inFlight >= this.cfg.maxConcurrent) {
      this.onRefused?.('BUSY');
      throw new DomainError(ErrorCode.PAYMENT_UNAVAILABLE, 'Payment is busy right now (too many pending payments). Please retry shortly.', { reason: 'BUSY' });
    }
  }

  /**
   * assertAvailable(), and takes the place at once (synchronously), so orders arriving
   * together cannot all pass the check before any of them calls payment: the bulkhead
   * counts reserved places, and in half-open only the reserving order gets the trial call.
   * Throws PAYMENT_UNAVAILABLE (reason CIRCUIT_OPEN or BUSY).
   */
  reserve(): PaymentPermit {
    this.assertAvailable();
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
      },
    };
  }

  /**
   * Charges the order (idempotent by order id at payment). Throws ApproveFailure-carrying
   * DomainErrors. `permit` from reserve() (released when the call settles); without one the
   * call takes a place unchecked.
   */
  async approve(req: ApproveRequest, permit?: PaymentPermit): Promise<{ paymentId: string }> {
    if (!permit) this.inFlight++;
    try {
      return await this.breaker.fire(req);
    } catch (e) {
      throw this.toFailure(e as Error & { code?: string });
    } finally {
      if (permit) permit.release();
      else this.inFlight--;
    }
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
    const res = await tracedFetch(
      `${this.cfg.baseUrl}/internal/payments/by-order/${encodeURIComponent(orderId)}`,
      { headers: { [INTERNAL_TOKEN_HEADER]: this.cfg.token }, signal: AbortSignal.timeout(this.cfg.timeoutMs * 3) },
      PEER,
    );
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`payment lookup answered ${res.status}`);
    return (await res.json()) as PaymentLookup;
  }

  /** Makes sure the order is never charged: voids its payment, or records that it must not be approved. Idempotent. */
  async void(orderId: string): Promise<void> {
    await this.post('/internal/payments/void', { orderId }, this.cfg.timeoutMs * 3);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private async post(path: string, body: unknown, timeoutMs = this.cfg.timeoutMs + 100): Promise<{ paymentId: string }> {
    const res = await tracedFetch(`${this.cfg.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: this.cfg.token },
      body: JSON.stringify(body),
      // The breaker's timeout answers the caller; this one frees the socket.
      signal: AbortSignal.timeout(timeoutMs),
    }, PEER);
    const json = (await res.json().catch(() => ({}))) as { paymentId?: string; code?: string; message?: string };
    if (res.status === 422 && json.code === 'PAYMENT_DECLINED') throw new PaymentDeclined(json.message ?? 'Payment declined.');
    if (!res.ok || (path === '/internal/payments' && !json.paymentId)) throw new Error(`payment answered ${res.status}`);
    return json as { paymentId: string };
  }
}

function isRefused(e: Error & { code?: string }): boolean {
  const code = (e.cause as { code?: string } | undefined)?.code ?? e.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}
