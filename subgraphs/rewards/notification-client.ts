import CircuitBreaker from 'opossum';
import type { Logger } from '../../platform/logger';
import { INTERNAL_TOKEN_HEADER } from '../../platform/service';
import { tracedFetch } from '../../platform/tracing';

export interface NotificationClientConfig {
  /** Notification's internal base URL, e.g. http://127.0.0.1:4006 — never the router. */
  baseUrl: string;
  token: string;
  timeoutMs: number;
  resetMs: number;
}

export interface MessageRequest {
  customerId: string;
  text: string;
  /** The mission or gift id: notification tells it back on its events. */
  correlationId: string;
  source: 'rewards';
}

/**
 * Rewards' one synchronous dependency: notification's generic `POST /internal/messages`
 * ("send this text to this customer"). A timeout and an opossum breaker guard it; `capacity: 1`
 * allows one pending call at a time, as the seed's Istio rule did (a second concurrent call is
 * refused at once and its message waits in rewards' queue instead of piling onto notification).
 */
export class NotificationClient {
  readonly breaker: CircuitBreaker<[MessageRequest], { messageId: string }>;

  constructor(
    private readonly cfg: NotificationClientConfig,
    log: Logger,
  ) {
    this.breaker = new CircuitBreaker((req: MessageRequest) => this.post(req), {
      name: 'notification.message',
      timeout: cfg.timeoutMs,
      resetTimeout: cfg.resetMs,
      capacity: 1,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      rollingCountTimeout: 10_000,
    });
    this.breaker.on('open', () => log.warn({ breaker: 'notification.message' }, 'circuit opened: messages wait in the queue'));
    this.breaker.on('close', () => log.info({ breaker: 'notification.message' }, 'circuit closed: notification is back'));
  }

  /** Resolves with notification's message id once it accepted the message; throws otherwise. */
  send(req: MessageRequest): Promise<{ messageId: string }> {
    return this.breaker.fire(req);
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private async post(req: MessageRequest): Promise<{ messageId: string }> {
    const res = await tracedFetch(`${this.cfg.baseUrl}/internal/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: this.cfg.token },
      body: JSON.stringify(req),
      // The breaker's timeout answers the caller; this one frees the socket.
      signal: AbortSignal.timeout(this.cfg.timeoutMs + 100),
    }, { service: 'rewards', peer: 'notification' });
    const json = (await res.json().catch(() => ({}))) as { messageId?: unknown };
    if (!res.ok || typeof json.messageId !== 'string') throw new Error(`notification answered ${res.status}`);
    return { messageId: json.messageId };
  }
}
