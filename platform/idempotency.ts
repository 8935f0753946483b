import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { Actor } from './auth';
import type { PlatformDb, RawSql } from './database';
import { DomainError, ErrorCode } from './errors';
import type { Logger } from './logger';

/**
 * Idempotency keys for the mutations that create or spend something (placeOrder,
 * requestReservation, exchangeGift, receiveStock).
 *
 * Convention (as Stripe's API): the client sends `Idempotency-Key: <1-255 printable ASCII>`
 * on the HTTP request; the router forwards it to the subgraph (router/gateway.ts). A key
 * is scoped to the caller (the verified actor's role and subject), so two callers never
 * collide. The key's record — operation, sha256 of the canonical input, the id of what was
 * made — is written in the SAME transaction as the effect (the table `IdempotencyKey` in
 * the context's database, see prisma/<context>/schema.prisma), so either both exist or
 * neither does; a crash at any line leaves either "no effect, key free" or "effect, key
 * taken". Then:
 *  - same key, same input → the first call's result, re-read now (an order with its status
 *    now), and nothing more is written, charged or published;
 *  - same key, another input (or another operation) → IDEMPOTENCY_KEY_REUSED;
 *  - concurrent calls with one key → the primary key decides: one inserts, the others'
 *    INSERT waits for its commit, finds the row and answers its result (ordering waits for
 *    the order's payment outcome a bounded time, then IDEMPOTENCY_KEY_IN_PROGRESS);
 *  - a call refused before its effect (bad input, breaker open, ...) records nothing: the
 *    same key may be retried;
 *  - without a key: as before.
 * Records are kept IDEMPOTENCY_RETENTION_HOURS (default and minimum 24) and then pruned.
 * The SQL is PostgreSQL's (the four contexts using keys run on PostgreSQL or PGlite).
 */

/** The HTTP header (lower case, as Node presents header names). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The name clients see in errors (`extensions.field`). */
export const IDEMPOTENCY_FIELD = 'Idempotency-Key';

/** Settings a context that takes keys adds to its config schema (`config.extend(idempotencySettings.shape)`). */
export const idempotencySettings = z.object({
  /** How long a key is remembered; 24 h at least (the promise made to clients in the README). */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().min(24).default(24),
  /** How often expired keys are deleted. */
  IDEMPOTENCY_PRUNE_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
});
export type IdempotencySettings = z.infer<typeof idempotencySettings>;

/** What a subgraph request's context carries: the raw header, validated only by the mutations that use it. */
export interface IdempotencyContext {
  idempotencyKey?: string;
}

/** The raw `Idempotency-Key` of a subgraph request (as the router forwarded it), if any. */
export const idempotencyKeyOf = (req: Request): string | undefined => {
  const v = req.headers[IDEMPOTENCY_HEADER];
  return Array.isArray(v) ? v.join(', ') : v;
};

const KEY = /^[\x20-\x7e]{1,255}$/;

/** One keyed call: who, which key, which operation, and the hash of its canonical input. */
export interface KeyedCall {
  scope: string;
  key: string;
  operation: string;
  requestHash: string;
}

/**
 * The keyed call for a mutation, or undefined when the request carries no key.
 * `input` is the validated command (defaults applied, the caller's id included), so two
 * spellings of one request hash alike. Throws BAD_USER_INPUT (field `Idempotency-Key`)
 * for a key that is empty, longer than 255 characters or not printable ASCII.
 */
export function keyedCall(rawKey: string | undefined, actor: Pick<Actor, 'role' | 'sub'>, operation: string, input: unknown): KeyedCall | undefined {
  if (rawKey === undefined) return undefined;
  if (!KEY.test(rawKey)) {
    throw new DomainError(ErrorCode.BAD_USER_INPUT, 'Idempotency-Key must be 1 to 255 printable ASCII characters.', { field: IDEMPOTENCY_FIELD });
  }
  return { scope: `${actor.role}:${actor.sub}`, key: rawKey, operation, requestHash: requestHash(operation, input) };
}

/** sha256 (hex) of the operation and the canonical JSON of its input (object keys sorted, undefined left out). */
export function requestHash(operation: string, input: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(input)).digest('hex');
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

interface KeyRow {
  operation: string;
  requestHash: string;
  resultId: string;
}

/**
 * The record of an earlier call with this key, or undefined. Throws IDEMPOTENCY_KEY_REUSED
 * when that call had another operation or input.
 */
export async function findKeyed(db: RawSql, call: KeyedCall): Promise<{ resultId: string } | undefined> {
  const [row] = await db.$queryRaw<KeyRow[]>`
    SELECT "operation", "requestHash", "resultId" FROM "IdempotencyKey" WHERE "scope" = ${call.scope} AND "key" = ${call.key}`;
  if (!row) return undefined;
  if (row.operation !== call.operation || row.requestHash !== call.requestHash) {
    throw new DomainError(
      ErrorCode.IDEMPOTENCY_KEY_REUSED,
      `This Idempotency-Key was already used for ${row.operation === call.operation ? 'another input' : `another operation (${row.operation})`}. Use a new key for a new request.`,
      { field: IDEMPOTENCY_FIELD },
    );
  }
  return { resultId: row.resultId };
}

/** Raised inside the effect's transaction when another call holds the key: rolls the effect back. */
class KeyTaken extends Error {
  constructor() {
    super('idempotency key taken by another call');
  }
}

/**
 * Claims the key for `resultId` in the effect's transaction; call it first in that
 * transaction. When another call committed the key meanwhile (or commits it while this
 * INSERT waits on the primary key), the transaction is rolled back and the caller of
 * `runOnce` answers that call's result instead.
 */
export async function claimKey(tx: RawSql, call: KeyedCall, resultId: string): Promise<void> {
  const inserted = await tx.$executeRaw`
    INSERT INTO "IdempotencyKey" ("scope", "key", "operation", "requestHash", "resultId")
    VALUES (${call.scope}, ${call.key}, ${call.operation}, ${call.requestHash}, ${resultId})
    ON CONFLICT ("scope", "key") DO NOTHING`;
  if (inserted === 0) throw new KeyTaken();
}

/**
 * Runs a creating mutation at most once per key.
 *  - `call` undefined (no key): `perform` runs, with a claim that does nothing.
 *  - a record exists: `replay(resultId)` answers (IDEMPOTENCY_KEY_REUSED if the input differs).
 *  - else `perform(claim)` runs; it must call `claim(tx, resultId)` first in the transaction
 *    that makes the effect. If a concurrent call won the key, that transaction rolls back and
 *    the winner's result is replayed.
 */
export async function runOnce<T, Tx extends RawSql>(
  db: RawSql,
  call: KeyedCall | undefined,
  steps: {
    replay(resultId: string): Promise<T>;
    perform(claim: (tx: Tx, resultId: string) => Promise<void>): Promise<T>;
  },
): Promise<T> {
  if (!call) return steps.perform(async () => undefined);
  for (let attempt = 1; ; attempt++) {
    const prior = await findKeyed(db, call);
    if (prior) return steps.replay(prior.resultId);
    try {
      return await steps.perform((tx, resultId) => claimKey(tx, call, resultId));
    } catch (e) {
      if (!(e instanceof KeyTaken)) throw e;
      const winner = await findKeyed(db, call);
      if (winner) return steps.replay(winner.resultId);
      // The winner committed, then took its effect back with its key (placeOrder when payment
      // was not reached): the key is free again, so this call starts over.
      if (attempt >= 3) {
        throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, 'A request with this Idempotency-Key is still being processed. Retry shortly with the same key.');
      }
    }
  }
}

/** Deletes key records older than `retentionMs`; returns how many. Safe on every replica at once. */
export async function pruneKeys(db: RawSql, retentionMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs);
  return db.$executeRaw`DELETE FROM "IdempotencyKey" WHERE "createdAt" < ${cutoff}`;
}

/** Prunes expired keys every `IDEMPOTENCY_PRUNE_INTERVAL_MS`; returns the stop function (awaits a prune in progress). */
export function startKeyPruner(db: PlatformDb, settings: IdempotencySettings, log: Logger): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= pruneKeys(db, settings.IDEMPOTENCY_RETENTION_HOURS * 3_600_000)
      .then((n) => n > 0 && log.info({ pruned: n }, 'expired idempotency keys pruned'))
      .catch((e) => log.warn({ err: e }, 'pruning idempotency keys failed; next round'))
      .finally(() => (running = undefined));
  }, settings.IDEMPOTENCY_PRUNE_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
