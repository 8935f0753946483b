import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/** Events payment publishes. */
export const PaymentApproved = defineEvent({
  context: 'payment',
  name: 'payment-approved',
  version: 1,
  data: z.object({ paymentId: z.string().min(1), orderId: z.string().min(1), customerId: z.string().min(1), amount: z.number().int().nonnegative() }),
});

export const PaymentVoided = defineEvent({
  context: 'payment',
  name: 'payment-voided',
  version: 1,
  data: z.object({ paymentId: z.string().min(1), orderId: z.string().min(1), wasCharged: z.boolean() }),
});
