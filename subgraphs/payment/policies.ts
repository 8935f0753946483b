import { policy } from '../../platform/consumer';
import { OrderCancelled } from '../ordering/contracts';
import { cancelPaymentOf } from './cancellation';
import type { PaymentTx } from './db';

/** The customer cancelled the order: refund its payment (the saga's first compensation). */
export const cancelOnOrderCancelled = policy<PaymentTx, typeof OrderCancelled>({
  name: 'order-cancelled',
  event: OrderCancelled,
  async handle(tx, o, env) {
    await cancelPaymentOf(tx, o, env.id);
  },
});
