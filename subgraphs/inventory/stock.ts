import { DomainError, ErrorCode } from '../../platform/errors';
import type { Actor } from '../../platform/auth';
import { keyedCall, runOnce } from '../../platform/idempotency';
import { addToOutbox } from '../../platform/outbox';
import { isStocked } from '../catalog/contracts';
import { StockReceived, StockReleased, StockReservationFailed, StockReserved } from './contracts';
import type { InventoryDb, InventoryTx } from './db';
import { available, validateReceiveStock } from './rules';
import { newId } from '../../platform/ids';

/** A product's stock as events and the API show it. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  version: number;
  updatedAt: Date | null;
}

interface StockRow {
  productId: string;
  onHand: number;
  reserved: number;
  version: number;
  updatedAt: Date;
}

const levelOf = (r: StockRow): StockLevel => ({
  productId: r.productId,
  onHand: r.onHand,
  reserved: r.reserved,
  available: available(r),
  version: r.version,
  updatedAt: r.updatedAt,
});

/** What an event carries of a level. */
const counts = (l: StockLevel) => ({ productId: l.productId, onHand: l.onHand, reserved: l.reserved, available: l.available, version: l.version });

/** A product inventory never held: nothing on hand, version 0. */
const none = (productId: string): StockLevel => ({ productId, onHand: 0, reserved: 0, available: 0, version: 0, updatedAt: null });

/** Who does the work and why: the process (INSTANCE_ID) and the event that caused it. */
export interface Handling {
  instanceId: string;
  causationId: string | null;
}

/**
 * A stock manager records incoming copies: on hand rises by qty, with its movement and
 * StockReceived, committed together. Only products the catalog announced can be stocked
 * (PRODUCT_NOT_FOUND), and only those inventory keeps count of: a library's books
 * (catalog's isStocked; PRODUCT_NOT_STOCKED otherwise). With an Idempotency-Key
 * (`keyed`, platform/idempotency.ts) a retry records nothing more and answers the
 * product's stock as it is now.
 */
export async function receiveStock(
  db: InventoryDb,
  input: unknown,
  instanceId: string,
  keyed?: { actor: Pick<Actor, 'role' | 'sub'>; idempotencyKey?: string },
): Promise<StockLevel> {
  const cmd = validateReceiveStock(input);
  const call = keyed && keyedCall(keyed.idempotencyKey, keyed.actor, 'receiveStock', cmd);
  return runOnce<StockLevel, InventoryTx>(db, call, {
    replay: async () => (await stockLevels(db, [cmd.productId]))[0] ?? none(cmd.productId),
    perform: (claim) =>
      db.$transaction(async (tx) => {
        const product = await tx.catalogProduct.findUnique({ where: { id: cmd.productId } });
        if (!product) throw new DomainError(ErrorCode.PRODUCT_NOT_FOUND, `No product "${cmd.productId}" in the catalog.`, { productId: cmd.productId });
        if (!isStocked(product.storeKind)) {
          throw new DomainError(ErrorCode.PRODUCT_NOT_STOCKED, `"${product.name}" is not kept in stock: inventory counts a library's books only.`, {
            productId: product.id,
            storeKind: product.storeKind,
          });
        }
        const movementId = newId();
        await claim(tx, movementId);
        // One statement: concurrent receipts add up, none is lost.
        const [row] = await tx.$queryRaw<StockRow[]>`
          INSERT INTO "Stock" ("productId", "onHand", "reserved", "version") VALUES (${cmd.productId}, ${cmd.qty}, 0, 1)
          ON CONFLICT ("productId") DO UPDATE SET "onHand" = "Stock"."onHand" + EXCLUDED."onHand", "version" = "Stock"."version" + 1, "updatedAt" = now()
          RETURNING "productId", "onHand", "reserved", "version", "updatedAt"`;
        const level = levelOf(row);
        await tx.stockMovement.create({
          data: { id: movementId, productId: cmd.productId, kind: 'RECEIVED', qty: cmd.qty, instanceId, version: level.version },
        });
        await addToOutbox(tx, StockReceived, { ...counts(level), qty: cmd.qty, receivedAt: row.updatedAt.toISOString() }, { correlationId: cmd.productId });
        return level;
      }),
  });
}

export type ReserveOutcome = 'reserved' | 'failed' | 'already-handled';

/**
 * Holds exactly one copy for a reservation, or records that none was left. Runs in the
 * transaction of the ReservationRequested handler.
 *
 * The hold row, keyed by the reservation id, is claimed first: a second request for the
 * same reservation, or a cancellation that arrived earlier (it leaves a CANCELLED row),
 * finds it taken and nothing more happens. The copy is taken by one conditional UPDATE,
 * so any number of concurrent requests (threads or replicas) can never reserve more
 * copies than are on hand; a CHECK constraint backs this up.
 */
export async function reserveOne(
  tx: InventoryTx,
  r: { reservationId: string; customerId: string; productId: string },
  h: Handling,
): Promise<ReserveOutcome> {
  const claimed = await tx.$executeRaw`
    INSERT INTO "StockHold" ("reservationId", "productId", "customerId", "status", "instanceId")
    VALUES (${r.reservationId}, ${r.productId}, ${r.customerId}, 'FAILED'::"HoldStatus", ${h.instanceId})
    ON CONFLICT ("reservationId") DO NOTHING`;
  if (claimed === 0) return 'already-handled';

  const meta = { correlationId: r.reservationId, causationId: h.causationId };
  // Takes a copy only while one is free (rules.canReserveOne), in one statement.
  const [row] = await tx.$queryRaw<StockRow[]>`
    UPDATE "Stock" SET "reserved" = "reserved" + 1, "version" = "version" + 1, "updatedAt" = now()
    WHERE "productId" = ${r.productId} AND "onHand" - "reserved" >= 1
    RETURNING "productId", "onHand", "reserved", "version", "updatedAt"`;

  if (row) {
    const level = levelOf(row);
    await tx.stockHold.update({ where: { reservationId: r.reservationId }, data: { status: 'RESERVED' } });
    await tx.stockMovement.create({
      data: { id: newId(), productId: r.productId, kind: 'RESERVED', qty: 1, reservationId: r.reservationId, causationId: h.causationId, instanceId: h.instanceId, version: level.version },
    });
    await addToOutbox(tx, StockReserved, { ...counts(level), reservationId: r.reservationId, customerId: r.customerId, reservedAt: row.updatedAt.toISOString() }, meta);
    return 'reserved';
  }

  const current = await tx.stock.findUnique({ where: { productId: r.productId } });
  const level = current ? levelOf(current) : none(r.productId);
  await tx.stockHold.update({ where: { reservationId: r.reservationId }, data: { status: 'FAILED', reason: 'OUT_OF_STOCK' } });
  await addToOutbox(
    tx,
    StockReservationFailed,
    { ...counts(level), reservationId: r.reservationId, customerId: r.customerId, reason: 'OUT_OF_STOCK', failedAt: new Date().toISOString() },
    meta,
  );
  return 'failed';
}

export type ReleaseOutcome = 'released' | 'cancelled-before-request' | 'nothing-held';

/**
 * Puts a cancelled reservation's copy back, if (and only if) one is held for it. Runs in
 * the transaction of the ReservationCancelled handler.
 *
 * When the cancellation arrives before the request (two subjects, two consumers: no
 * order between them), it leaves a CANCELLED hold row, so the late request holds
 * nothing. A repeated cancellation finds the hold RELEASED and does nothing.
 */
export async function releaseHeld(
  tx: InventoryTx,
  c: { reservationId: string; customerId: string; productId: string },
  h: Handling,
): Promise<ReleaseOutcome> {
  const early = await tx.$executeRaw`
    INSERT INTO "StockHold" ("reservationId", "productId", "customerId", "status", "instanceId")
    VALUES (${c.reservationId}, ${c.productId}, ${c.customerId}, 'CANCELLED'::"HoldStatus", ${h.instanceId})
    ON CONFLICT ("reservationId") DO NOTHING`;
  if (early === 1) return 'cancelled-before-request';

  // Locked, so a concurrent second cancellation waits and then sees RELEASED.
  const [hold] = await tx.$queryRaw<Array<{ productId: string; status: string }>>`
    SELECT "productId", "status"::text AS "status" FROM "StockHold" WHERE "reservationId" = ${c.reservationId} FOR UPDATE`;
  if (!hold || hold.status !== 'RESERVED') return 'nothing-held';

  const [row] = await tx.$queryRaw<StockRow[]>`
    UPDATE "Stock" SET "reserved" = "reserved" - 1, "version" = "version" + 1, "updatedAt" = now()
    WHERE "productId" = ${hold.productId} AND "reserved" >= 1
    RETURNING "productId", "onHand", "reserved", "version", "updatedAt"`;
  // A RESERVED hold always has its copy counted in "reserved": anything else is corruption, not a retryable state.
  if (!row) throw new Error(`stock of ${hold.productId} counts no reserved copy for reservation ${c.reservationId}`);
  const level = levelOf(row);
  await tx.stockHold.update({ where: { reservationId: c.reservationId }, data: { status: 'RELEASED' } });
  await tx.stockMovement.create({
    data: { id: newId(), productId: hold.productId, kind: 'RELEASED', qty: 1, reservationId: c.reservationId, causationId: h.causationId, instanceId: h.instanceId, version: level.version },
  });
  await addToOutbox(
    tx,
    StockReleased,
    { ...counts(level), reservationId: c.reservationId, customerId: c.customerId, releasedAt: row.updatedAt.toISOString() },
    { correlationId: c.reservationId, causationId: h.causationId },
  );
  return 'released';
}

/** Stock of each product, in the order asked: null when the catalog never announced it to inventory. */
export async function stockLevels(db: InventoryDb, productIds: readonly string[]): Promise<Array<StockLevel | null>> {
  const [rows, known] = await Promise.all([
    db.stock.findMany({ where: { productId: { in: [...productIds] } } }),
    db.catalogProduct.findMany({ where: { id: { in: [...productIds] } }, select: { id: true } }),
  ]);
  return productIds.map((id) => {
    const row = rows.find((r) => r.productId === id);
    if (row) return levelOf(row);
    return known.some((k) => k.id === id) ? none(id) : null;
  });
}
