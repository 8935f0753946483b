import { v7 as uuidv7 } from 'uuid';

/**
 * A new primary key or event id: a UUIDv7 string (RFC 9562 §5.7; 48-bit Unix-millisecond
 * timestamp first, then random bits; monotonic within this process, from the `uuid` package).
 * Time-ordered ids keep every B-tree keyed by them (orders, payments, outbox rows, processed
 * markers, timeline entries) growing at its right edge instead of touching random pages, so an
 * insert costs the same with a million rows of history as on an empty table (issue 13's
 * flat-cost target). Still a valid UUID for every `z.uuid()` check and PostgreSQL `uuid` column.
 * Not a secret and not unguessable enough to be a capability: never use one as a token.
 */
export const newId = (): string => uuidv7();
