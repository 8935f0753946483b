// The pure parts of platform/pagination.ts: cursors, keyset clauses, argument rules, and the
// spec's pageInfo over an in-memory list that interprets the keyset query the way Prisma does
// (so the algorithm is checked without a database; test/contracts/pagination.test.ts runs it
// against PostgreSQL and SQLite through the router).
import { DomainError } from '../../platform/errors';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  keysetWhere,
  MAX_PAGE_SIZE,
  pageRequest,
  paginate,
  type ConnectionArgs,
  type KeysetQuery,
  type SortKey,
} from '../../platform/pagination';

const KEYS: SortKey[] = [
  { field: 'at', direction: 'desc', kind: 'date' },
  { field: 'id', direction: 'desc', kind: 'string' },
];

/** The coded refusal a call throws: code and extensions.field. */
function refusal(fn: () => unknown): { code: unknown; field: unknown } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    const ext = (e as DomainError).extensions;
    return { code: ext.code, field: ext.field };
  }
  throw new Error('expected a refusal');
}

describe('cursors', () => {
  test('round-trip the sort key, dates to the millisecond, and are opaque base64url', () => {
    const row = { at: new Date('2026-11-30T10:00:00.123Z'), id: 'o-1', other: 'x' };
    const c = encodeCursor(row, KEYS);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(c).not.toContain('o-1');
    expect(decodeCursor(c, KEYS, 'after')).toEqual([new Date('2026-11-30T10:00:00.123Z'), 'o-1']);
  });

  test.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['not an array', Buffer.from('{"a":1}').toString('base64url')],
    ['the wrong number of keys', Buffer.from('["2026-11-30T10:00:00.000Z"]').toString('base64url')],
    ['a non-date where a date goes', Buffer.from('["yesterday","o-1"]').toString('base64url')],
    ['a number where a string goes', Buffer.from('["2026-11-30T10:00:00.000Z",5]').toString('base64url')],
    ['too long', 'A'.repeat(600)],
  ])('a cursor that is %s is BAD_USER_INPUT naming the argument', (_what, cursor) => {
    expect(refusal(() => decodeCursor(cursor, KEYS, 'before'))).toEqual({ code: 'BAD_USER_INPUT', field: 'before' });
  });

  test('an int key must be a safe integer', () => {
    const keys: SortKey[] = [{ field: 'v', direction: 'asc', kind: 'int' }];
    expect(decodeCursor(encodeCursor({ v: 7 }, keys), keys, 'after')).toEqual([7]);
    expect(refusal(() => decodeCursor(Buffer.from('[1.5]').toString('base64url'), keys, 'after')).field).toBe('after');
  });
});

describe('keyset clauses', () => {
  test('"after" in a descending order is lt on the first key, then equal-and-lt on the next', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(keysetWhere(KEYS, [at, 'b'], 'after')).toEqual({ OR: [{ at: { lt: at } }, { at, id: { lt: 'b' } }] });
    expect(keysetWhere(KEYS, [at, 'b'], 'before')).toEqual({ OR: [{ at: { gt: at } }, { at, id: { gt: 'b' } }] });
  });
});

describe('arguments', () => {
  test('defaults to the first DEFAULT_PAGE_SIZE; last pages backward', () => {
    expect(pageRequest({})).toEqual({ size: DEFAULT_PAGE_SIZE, backward: false });
    expect(pageRequest({ first: 5 })).toEqual({ size: 5, backward: false });
    expect(pageRequest({ last: 5 })).toEqual({ size: 5, backward: true });
    expect(pageRequest({ first: MAX_PAGE_SIZE })).toEqual({ size: MAX_PAGE_SIZE, backward: false });
  });

  test.each<[ConnectionArgs, string]>([
    [{ first: MAX_PAGE_SIZE + 1 }, 'first'],
    [{ last: MAX_PAGE_SIZE + 1 }, 'last'],
    [{ first: -1 }, 'first'],
    [{ last: -1 }, 'last'],
    [{ first: 1, last: 1 }, 'last'],
  ])('%j is BAD_USER_INPUT on %s', (args, field) => {
    expect(refusal(() => pageRequest(args))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

/** A Prisma-like findMany over rows: AND / OR / NOT, equality, lt / gt, orderBy, take. */
function matches(row: Record<string, any>, where: Record<string, any>): boolean {
  return Object.entries(where).every(([k, v]) => {
    if (k === 'AND') return (v as any[]).every((w) => matches(row, w));
    if (k === 'OR') return (v as any[]).some((w) => matches(row, w));
    if (k === 'NOT') return !matches(row, v);
    const x = row[k] instanceof Date ? row[k].getTime() : row[k];
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      const bound = v.lt ?? v.gt;
      const b = bound instanceof Date ? bound.getTime() : bound;
      return 'lt' in v ? x < b : x > b;
    }
    return x === (v instanceof Date ? v.getTime() : v);
  });
}
function memoryFetch(rows: Array<Record<string, any>>) {
  return async (q: KeysetQuery) => {
    const cmp = (a: any, b: any) => {
      for (const o of q.orderBy) {
        const [[f, d]] = Object.entries(o);
        const x = a[f] instanceof Date ? a[f].getTime() : a[f];
        const y = b[f] instanceof Date ? b[f].getTime() : b[f];
        if (x !== y) return (x < y ? -1 : 1) * (d === 'asc' ? 1 : -1);
      }
      return 0;
    };
    return rows.filter((r) => matches(r, q.where)).sort(cmp).slice(0, q.take);
  };
}

describe('paginate (the spec over an in-memory list)', () => {
  // Two rows share an instant: the id breaks the tie.
  const rows = [0, 1, 2, 3, 3, 4, 5].map((m, i) => ({ at: new Date(Date.UTC(2026, 0, 1, 0, m)), id: `r-${i}`, owner: 'a' }));
  rows.push({ at: new Date(Date.UTC(2026, 0, 1, 0, 9)), id: 'x', owner: 'b' });
  const expected = rows
    .filter((r) => r.owner === 'a')
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
    .map((r) => r.id);
  const page = (args: ConnectionArgs) => paginate({ args, keys: KEYS, where: { owner: 'a' }, fetch: memoryFetch(rows), toNode: (r: Record<string, any>) => r.id as string });

  test('forward: every item once, in order; pageInfo per the spec', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const infos = [];
    for (;;) {
      const p = await page({ first: 3, after });
      seen.push(...p.edges.map((e) => e.node));
      infos.push(p.pageInfo);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(infos.map((i) => [i.hasPreviousPage, i.hasNextPage])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
  });

  test('backward: every item once, in order', async () => {
    const pages: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const p = await page({ last: 3, before });
      pages.unshift(p.edges.map((e) => e.node));
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(pages.flat()).toEqual(expected);
  });

  test('after and before together bound the page; first: 0 answers no edges but tells whether any follow', async () => {
    const all = await page({ first: 100 });
    const p = await page({ after: all.edges[1].cursor, before: all.edges[5].cursor, first: 10 });
    expect(p.edges.map((e) => e.node)).toEqual(expected.slice(2, 5));
    const zero = await page({ first: 0 });
    expect(zero).toEqual({ edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });
});
