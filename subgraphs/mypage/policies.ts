import { policy } from '../../platform/consumer';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import type { MypageTx } from './db';

/**
 * A placed order enters the customer's list. One statement (INSERT ... ON CONFLICT on the
 * order id): a status change applied first (events of two subjects race) keeps its newer
 * status and version; only the payment id is filled in. A repeat changes nothing.
 */
export const addPlacedOrder = policy<MypageTx, typeof OrderPlaced>({
  name: 'order-placed',
  event: OrderPlaced,
  async handle(tx, o) {
    await tx.$executeRaw`
      INSERT INTO "OrderView" ("orderId", "customerId", "productId", "item", "qty", "unitPrice", "amount", "storeId", "paymentId", "status", "version", "placedAt", "updatedAt")
      VALUES (${o.orderId}, ${o.customerId}, ${o.productId}, ${o.productName}, ${o.qty}, ${o.unitPrice}, ${o.amount}, ${o.storeId}, ${o.paymentId}, ${o.status}, ${o.version}, ${new Date(o.placedAt)}, now())
      ON CONFLICT ("orderId") DO UPDATE SET "paymentId" = EXCLUDED."paymentId", "updatedAt" = now()
      WHERE "OrderView"."paymentId" IS DISTINCT FROM EXCLUDED."paymentId"`;
  },
});

/**
 * Applies a status change only if it is newer than what the view shows (events may arrive
 * out of order): one statement that updates and tells whether the order is in the view at all.
 * @throws when OrderPlaced has not arrived yet, so the message is redelivered after a delay.
 */
export const followStatus = policy<MypageTx, typeof OrderStatusChanged>({
  name: 'order-status-changed',
  event: OrderStatusChanged,
  async handle(tx, s) {
    const [r] = await tx.$queryRaw<Array<{ known: boolean }>>`
      WITH "changed" AS (
        UPDATE "OrderView" SET "status" = ${s.status}, "version" = ${s.version}, "updatedAt" = now()
        WHERE "orderId" = ${s.orderId} AND "version" < ${s.version} RETURNING 1
      )
      SELECT (EXISTS (SELECT 1 FROM "changed") OR EXISTS (SELECT 1 FROM "OrderView" WHERE "orderId" = ${s.orderId})) AS "known"`;
    if (!r?.known) throw new Error(`order ${s.orderId} not in the view yet`);
  },
});
