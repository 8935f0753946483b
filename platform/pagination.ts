import { DomainError, ErrorCode } from './errors';

/**
 * Relay Cursor Connections (https://relay.dev/graphql/connections.htm) over Prisma, by keyset:
 * a page is "the next `first` rows after this sort key" (or "the last `last` rows before it"),
 * never OFFSET, so a page costs one index range scan however deep it is, and a cursor keeps
 * pointing at the same place while new rows arrive before or after it.
 *
 * Arguments (rule source: issue 15, point 3, and the spec's "Arguments" section):
 * - `first` / `after` page forward, `last` / `before` page backward; `after` and `before`
 *   may be combined (the spec's ApplyCursorsToEdges), `first` and `last` may not: sending
 *   both is refused (the spec "strongly discourages" it; we make it an error).
 * - Neither `first` nor `last`: the first {@link DEFAULT_PAGE_SIZE} rows.
 * - `first`/`last` are 0 to {@link MAX_PAGE_SIZE}; a negative or larger value is refused.
 * - A cursor is opaque: base64url of the JSON array of the row's sort key (e.g. its
 *   `createdAt` in ISO-8601 and its id). One that does not decode to the connection's key
 *   shape is refused; one that decodes but names a row that is gone still works (the page
 *   starts where that row would be).
 *
 * Every refusal is a {@link DomainError} BAD_USER_INPUT with `extensions.field` naming the
 * argument (`first`, `last`, `after`, `before`) and HTTP 400, as platform/input-rules.ts does;
 * nothing is read.
 *
 * `pageInfo` follows the spec exactly: `hasNextPage` is true when paging forward and more rows
 * follow the page, or when paging backward with `before` and a row exists at or after `before`;
 * `hasPreviousPage` mirrors it (paging backward: rows precede the page; paging forward with
 * `after`: a row exists at or before `after`). The "exists" checks are one `take: 1` query on
 * the same index, run only when the opposite cursor is given.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The connection arguments of every `xConnection` field, as GraphQL passes them. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<N> {
  cursor: string;
  node: N;
}

export interface Connection<N> {
  edges: Array<Edge<N>>;
  pageInfo: PageInfo;
}

/**
 * One column of a connection's sort order. `kind` says how a cursor carries its value:
 * `date` (a Prisma DateTime, carried as ISO-8601, millisecond precision), `string` or `int`.
 * The last key must make the order total (a unique column, e.g. the id).
 */
export interface SortKey {
  field: string;
  direction: 'asc' | 'desc';
  kind: 'date' | 'string' | 'int';
}

type KeyValue = Date | string | number;

/** What {@link paginate} hands to the data-access call: a Prisma `findMany` argument. */
export interface KeysetQuery {
  where: Record<string, any>;
  orderBy: Array<Record<string, 'asc' | 'desc'>>;
  take: number;
}

const refuse = (field: string, message: string) => new DomainError(ErrorCode.BAD_USER_INPUT, message, { field, http: { status: 400 } });

/** The cursor of a row: base64url of the JSON array of its sort key values (dates as ISO-8601). */
export function encodeCursor(row: Record<string, unknown>, keys: readonly SortKey[]): string {
  const values = keys.map((k) => {
    const v = row[k.field];
    if (k.kind === 'date') {
      if (!(v instanceof Date)) throw new Error(`pagination: ${k.field} is not a Date`);
      return v.toISOString();
    }
    return v;
  });
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The sort key values a cursor carries, checked against the connection's key shape.
 * Throws BAD_USER_INPUT naming `field` (`after` or `before`) for anything else.
 */
export function decodeCursor(cursor: string, keys: readonly SortKey[], field: string): KeyValue[] {
  const bad = () => refuse(field, `${field} is not a cursor of this connection: pass a cursor this connection returned.`);
  if (!BASE64URL.test(cursor) || cursor.length > 512) throw bad();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(values) || values.length !== keys.length) throw bad();
  return keys.map((k, i) => {
    const v = values[i];
    switch (k.kind) {
      case 'date': {
        if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v))) throw bad();
        return new Date(v);
      }
      case 'int':
        if (!Number.isSafeInteger(v)) throw bad();
        return v as number;
      case 'string':
        if (typeof v !== 'string') throw bad();
        return v;
    }
  });
}

/**
 * Rows strictly after (`side` 'after') or strictly before ('before') the key `values` in the
 * order `keys` define, as a Prisma where clause: (k0 > v0) OR (k0 = v0 AND k1 > v1) OR ...
 * ("greater" meaning later in the order: `lt` for a descending key).
 */
export function keysetWhere(keys: readonly SortKey[], values: readonly KeyValue[], side: 'after' | 'before'): Record<string, any> {
  const or = keys.map((k, i) => {
    const later = (k.direction === 'asc') === (side === 'after') ? 'gt' : 'lt';
    const clause: Record<string, any> = {};
    for (let j = 0; j < i; j++) clause[keys[j].field] = values[j];
    clause[k.field] = { [later]: values[i] };
    return clause;
  });
  return { OR: or };
}

/** The page size and direction the arguments ask for; throws BAD_USER_INPUT on a refused combination. */
export function pageRequest(args: ConnectionArgs): { size: number; backward: boolean } {
  const first = args.first ?? null;
  const last = args.last ?? null;
  if (first !== null && last !== null) throw refuse('last', 'Pass first or last, not both.');
  for (const [field, v] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (v === null) continue;
    if (v < 0) throw refuse(field, `${field} must not be negative.`);
    if (v > MAX_PAGE_SIZE) throw refuse(field, `${field} is at most ${MAX_PAGE_SIZE}.`);
  }
  if (last !== null) return { size: last, backward: true };
  return { size: first ?? DEFAULT_PAGE_SIZE, backward: false };
}

const flip = (d: 'asc' | 'desc') => (d === 'asc' ? 'desc' : 'asc');

/**
 * One page of a connection. `where` is the list's own filter (whose rows, which status: the
 * old list field's), `keys` its total order, `fetch` the Prisma `findMany` (called with the
 * keyset `where`, `orderBy` and `take`; at most twice more with `take: 1` for pageInfo),
 * `toNode` maps a row to its GraphQL shape. Arguments are checked before anything is read.
 */
export async function paginate<R extends object, N>(opts: {
  args: ConnectionArgs;
  keys: readonly SortKey[];
  where: Record<string, any>;
  fetch: (query: KeysetQuery) => Promise<NoInfer<R>[]>;
  toNode: (row: R) => N;
}): Promise<Connection<N>> {
  const { args, keys } = opts;
  const { size, backward } = pageRequest(args);
  const after = args.after != null ? decodeCursor(args.after, keys, 'after') : null;
  const before = args.before != null ? decodeCursor(args.before, keys, 'before') : null;

  const bounds: Array<Record<string, any>> = [];
  if (after) bounds.push(keysetWhere(keys, after, 'after'));
  if (before) bounds.push(keysetWhere(keys, before, 'before'));
  const where = { AND: [opts.where, ...bounds] };
  const orderBy = keys.map((k) => ({ [k.field]: backward ? flip(k.direction) : k.direction }));

  const rows = await opts.fetch({ where, orderBy, take: size + 1 });
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (backward) page.reverse();

  // "Exists at or before `after`" (forward) / "at or after `before`" (backward): the rows the
  // cursor itself excludes, within the list's own filter.
  const beyond = async (values: KeyValue[], side: 'after' | 'before') =>
    (
      await opts.fetch({
        where: { AND: [opts.where, { NOT: keysetWhere(keys, values, side) }] },
        orderBy: keys.map((k) => ({ [k.field]: side === 'after' ? flip(k.direction) : k.direction })),
        take: 1,
      })
    ).length > 0;

  const hasNextPage = backward ? (before ? await beyond(before, 'before') : false) : more;
  const hasPreviousPage = backward ? more : after ? await beyond(after, 'after') : false;

  const edges = page.map((row) => ({ cursor: encodeCursor(row as Record<string, unknown>, keys), node: opts.toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
