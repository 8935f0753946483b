import { z } from 'zod';
import { idempotencySettings, startKeyPruner } from '../../platform/idempotency';
import { startContext, type ContextSpec } from '../../platform/service';
import { createOrderingClient, type OrderingDb, type OrderingTx } from './db';
import { recoverOrders, type OrderingDeps } from './orders';
import { PaymentClient } from './payment-client';
import {
  completeCancellation,
  confirmOnDeliveryAccepted,
  failCancellation,
  followDeliveryCompleted,
  followDeliveryStarted,
  followProductionStarted,
  rememberProducts,
} from './policies';
import { orderingResolvers } from './resolvers';

/** What a placeOrder may still need after payment's answer (its committing transaction, a loaded machine). */
const RECOVERY_MARGIN_MS = 5000;

const config = z.object({
  /** Payment's internal base URL (not the router). */
  PAYMENT_URL: z.url().default('http://127.0.0.1:4003'),
  PAYMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(610),
  PAYMENT_BREAKER_RESET_MS: z.coerce.number().int().positive().default(5000),
  PAYMENT_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  PAYMENT_BREAKER_VOLUME: z.coerce.number().int().min(1).default(5),
  /**
   * Bulkhead (subgraphs/ordering/payment-client.ts): payment calls in flight at once. Its size
   * follows Little's law, PAYMENT_TARGET_RATE × median of recent approve latencies, within
   * [PAYMENT_MIN_CONCURRENT, PAYMENT_MAX_CONCURRENT]; PAYMENT_TARGET_RATE=0 fixes it at
   * PAYMENT_MAX_CONCURRENT. Orders beyond it wait in the admission queue (below) instead of
   * being refused: the ceiling is what payment serves at once without queueing inside it (its
   * database pool, DATABASE_POOL_MAX 10, shared with its consumers), so a call's latency, which
   * the timeout and the breaker judge, is payment's work and not a queue. Issue 13: with a
   * floor of 32 and no queue, 50 clients on a saturated machine made calls wait inside payment
   * past the 610 ms timeout, and the breaker opened on a busy, healthy payment.
   */
  PAYMENT_MAX_CONCURRENT: z.coerce.number().int().min(1).default(16),
  PAYMENT_MIN_CONCURRENT: z.coerce.number().int().min(1).default(4),
  /** Orders per second the bulkhead is sized for; 0: a fixed bulkhead of PAYMENT_MAX_CONCURRENT. */
  PAYMENT_TARGET_RATE: z.coerce.number().min(0).default(200),
  /** Orders that may wait for a bulkhead place (nothing written yet); beyond: PAYMENT_UNAVAILABLE, reason BUSY. 0: refuse at once. */
  PAYMENT_QUEUE_MAX: z.coerce.number().int().min(0).default(1000),
  /** The longest an order waits for a bulkhead place before it is refused BUSY (ms); well below the router's SUBGRAPH_TIMEOUT_MS (10 s), so the client hears the refusal. */
  PAYMENT_QUEUE_WAIT_MS: z.coerce.number().int().positive().default(3000),
  /** How often stale PENDING orders and uncertain charges are settled. */
  RECOVERY_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
  /** A PENDING order older than this is considered abandoned by a crash. */
  RECOVERY_STALE_MS: z.coerce.number().int().positive().default(30_000),
  /** A retry with the Idempotency-Key of an order whose payment is in flight waits this long for the outcome, then answers IDEMPOTENCY_KEY_IN_PROGRESS. */
  IDEMPOTENCY_WAIT_MS: z.coerce.number().int().min(0).default(3000),
  ...idempotencySettings.shape,
}).refine((c) => c.RECOVERY_STALE_MS >= c.PAYMENT_TIMEOUT_MS + RECOVERY_MARGIN_MS, {
  // Recovery voids and rejects a PENDING order it takes for abandoned; one whose charge is still
  // in flight is not abandoned (found in the rollout experiment, docs/rollout-experiment.md).
  path: ['RECOVERY_STALE_MS'],
  message: `must be at least PAYMENT_TIMEOUT_MS + ${RECOVERY_MARGIN_MS} ms: a PENDING order younger than that may still have its charge in flight, and recovery would reject it`,
});
type OrderingConfig = z.infer<typeof config>;

export const orderingSpec: ContextSpec<OrderingDb, OrderingTx, OrderingConfig, object> = {
  name: 'ordering',
  defaultPort: 4002,
  dir: __dirname,
  createClient: createOrderingClient,
  config,
  produces: true,
  build({ db, relay, log, config: c, metrics }) {
    const payments = new PaymentClient(
      {
        baseUrl: c.PAYMENT_URL.replace(/\/+$/, ''),
        token: c.INTERNAL_TOKEN,
        timeoutMs: c.PAYMENT_TIMEOUT_MS,
        resetMs: c.PAYMENT_BREAKER_RESET_MS,
        errorThresholdPercentage: c.PAYMENT_BREAKER_ERROR_PERCENT,
        volumeThreshold: c.PAYMENT_BREAKER_VOLUME,
        maxConcurrent: c.PAYMENT_MAX_CONCURRENT,
        minConcurrent: c.PAYMENT_MIN_CONCURRENT,
        targetRate: c.PAYMENT_TARGET_RATE || undefined,
        queueMax: c.PAYMENT_QUEUE_MAX,
        queueWaitMs: c.PAYMENT_QUEUE_WAIT_MS,
      },
      log,
    );
    metrics?.breakers().observe('payment', payments.breaker);
    if (metrics) payments.onRefused = (reason) => metrics.breakers().refused('payment', reason);
    const deps: OrderingDeps = { db, relay, log, payments, idempotencyWaitMs: c.IDEMPOTENCY_WAIT_MS };
    let timer: NodeJS.Timeout | undefined;
    let stopPruner: (() => Promise<void>) | undefined;
    let recovering: Promise<unknown> | undefined;
    return {
      resolvers: orderingResolvers(deps),
      policies: [
        rememberProducts,
        confirmOnDeliveryAccepted,
        followProductionStarted,
        followDeliveryStarted,
        followDeliveryCompleted,
        completeCancellation,
        failCancellation,
      ],
      async start() {
        stopPruner = startKeyPruner(db, c, log);
        timer = setInterval(() => {
          recovering ??= recoverOrders(deps, c.RECOVERY_STALE_MS)
            .catch((e) => log.error({ err: e }, 'order recovery failed'))
            .finally(() => (recovering = undefined));
        }, c.RECOVERY_INTERVAL_MS);
      },
      async stop() {
        clearInterval(timer);
        await stopPruner?.();
        await recovering;
        payments.shutdown();
      },
    };
  },
};

export const startOrdering = (env: NodeJS.ProcessEnv = process.env) => startContext(orderingSpec, env);
