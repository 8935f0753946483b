import { DomainError, ErrorCode } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { OrderCancelled } from './contracts';
import type { Order } from './db';
import { moveTo, StaleOrder, type OrderingDeps } from './orders';
import { assertCancellable, validateCancelOrder, type OrderStatus } from './rules';

/**
 * cancelOrder, as a story: check the input; find the order; refuse a caller who may not
 * cancel it (`authorize`); refuse it when it cannot be
 * cancelled any more (ORDER_NOT_CANCELLABLE: its delivery has started, it was never
 * paid, ...); answer it unchanged when a cancellation is already under way or done; else,
 * in one transaction, mark it CANCELLING (with its OrderStatusChanged) and write
 * OrderCancelled, which starts the saga: payment refunds → delivery cancels → CANCELLED.
 */
export async function cancelOrder(
  deps: Pick<OrderingDeps, 'db' | 'relay' | 'log'>,
  input: unknown,
  /** Throws (FORBIDDEN) when the caller may not cancel this order; runs once the order is found, before anything changes. */
  authorize: (order: Order) => void = () => undefined,
): Promise<Order> {
  const cmd = validateCancelOrder(input);
  // A concurrent change of the order (a delivery step, a second cancel) wins the version
  // guard; decide again on what it left. A handful of rounds is plenty.
  for (let round = 1; ; round++) {
    try {
      const { order, started } = await deps.db.$transaction(async (tx) => {
        const order = await tx.order.findUnique({ where: { id: cmd.orderId } });
        if (!order) throw new DomainError(ErrorCode.ORDER_NOT_FOUND, `No order ${cmd.orderId}.`, { orderId: cmd.orderId });
        authorize(order);
        if (assertCancellable(order.id, order.status as OrderStatus) === 'already') return { order, started: false };
        const cancelling = await moveTo(tx, order, 'CANCELLING', null, { cancellationReason: cmd.reason });
        await addToOutbox(
          tx,
          OrderCancelled,
          {
            orderId: order.id,
            customerId: order.customerId,
            storeId: order.storeId,
            paymentId: order.paymentId,
            amount: order.amount,
            reason: cmd.reason,
            previousStatus: order.status as OrderStatus,
            version: cancelling.version,
            requestedAt: cancelling.updatedAt.toISOString(),
          },
          { correlationId: order.id },
        );
        return { order: cancelling, started: true };
      });
      if (started) {
        deps.relay.notify();
        deps.log.info({ orderId: order.id, customerId: order.customerId, reason: cmd.reason }, 'order cancellation requested');
      }
      return order;
    } catch (e) {
      // The version guard found the order changed since it was read (StaleOrder; P2025 from Prisma's own guard).
      if (!(e instanceof StaleOrder || (e as { code?: string }).code === 'P2025') || round >= 5) throw e;
    }
  }
}
