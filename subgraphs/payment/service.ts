import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { startContext, type ContextSpec } from '../../platform/service';
import { createPaymentClient, type PaymentDb, type PaymentTx } from './db';
import { approve, approveRequest, parseLatency, voidForOrder } from './payments';
import { cancelOnOrderCancelled } from './policies';
import { paymentContext, paymentResolvers, type PaymentContext } from './resolvers';

const config = z.object({
  /** Artificial latency per approval, e.g. "400-620" (ms), for the breaker experiment. Default none. */
  PAYMENT_LATENCY_MS: z.string().default('0').transform(parseLatency),
});

export const paymentSpec: ContextSpec<PaymentDb, PaymentTx, z.infer<typeof config>, PaymentContext> = {
  name: 'payment',
  defaultPort: 4003,
  dir: __dirname,
  createClient: createPaymentClient,
  config,
  produces: true,
  build: ({ db, relay, log, config }) => ({
    resolvers: paymentResolvers(db),
    requestContext: () => paymentContext(db),
    policies: [cancelOnOrderCancelled],
    internalRoutes(router) {
      router.post('/payments', async (req, res) => {
        const parsed = approveRequest.safeParse(req.body);
        if (!parsed.success) return void res.status(400).json({ code: 'BAD_USER_INPUT', message: z.prettifyError(parsed.error) });
        const [lo, hi] = config.PAYMENT_LATENCY_MS;
        if (hi > 0) await sleep(lo + Math.random() * (hi - lo));
        const result = await approve(db, parsed.data);
        if (!result.ok) return void res.status(422).json({ code: result.code, message: result.message });
        relay.notify();
        log.info({ orderId: result.payment.orderId, paymentId: result.payment.id, amount: result.payment.amount }, 'payment approved');
        res.json({ paymentId: result.payment.id, status: result.payment.status });
      });
      router.get('/payments/by-order/:orderId', async (req, res) => {
        const p = await db.payment.findUnique({ where: { orderId: String(req.params.orderId) } });
        if (!p) return void res.status(404).json({ code: 'NOT_FOUND' });
        res.json({ paymentId: p.id, status: p.status });
      });
      router.post('/payments/void', async (req, res) => {
        const orderId = z.object({ orderId: z.string().min(1).max(64) }).safeParse(req.body);
        if (!orderId.success) return void res.status(400).json({ code: 'BAD_USER_INPUT', message: 'orderId is required' });
        const p = await voidForOrder(db, orderId.data.orderId);
        relay.notify();
        log.info({ orderId: orderId.data.orderId, paymentId: p.id }, 'payment voided');
        res.json({ paymentId: p.id, status: p.status });
      });
    },
  }),
};

export const startPayment = (env: NodeJS.ProcessEnv = process.env) => startContext(paymentSpec, env);
