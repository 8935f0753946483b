import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/** The ways a customer can pay. Part of payment's API: ordering passes the customer's choice when it charges. */
export const PAYMENT_METHODS = ['CREDIT_CARD', 'DEBIT_CARD', 'BANK_TRANSFER', 'KAKAO_PAY'] as const;

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

/**
 * The order's payment is cancelled (the cancellation saga's compensation): the charge is
 * refunded. `refundedAmount` is 0 when nothing had been charged (a voided or missing payment).
 */
export const PaymentCancelled = defineEvent({
  context: 'payment',
  name: 'payment-cancelled',
  version: 1,
  data: z.object({
    paymentId: z.string().min(1),
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    refundedAmount: z.number().int().nonnegative(),
    refundedAt: z.iso.datetime(),
  }),
});
