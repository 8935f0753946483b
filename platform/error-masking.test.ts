import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { INTERNAL_MESSAGE, maskError } from './error-masking';
import { DomainError, ErrorCode } from './errors';

/** A logger whose JSON lines land in `lines`. */
function capture() {
  const lines: any[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk))), done()) }));
  return { log, lines };
}
const formatted = (e: GraphQLError) => e.toJSON();

test('an unexpected error: plain message, INTERNAL_SERVER_ERROR, errorId — and the log line has the id and the full error', () => {
  const { log, lines } = capture();
  const prisma = new Error('\nInvalid `prisma.order.findUnique()` invocation in\n/work/subgraphs/ordering/orders.ts:42:7\n\ninvalid byte sequence for encoding "UTF8": 0x00');
  const e = new GraphQLError(prisma.message, { path: ['order'], originalError: prisma, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x (/work/a.ts:1:1)'] } });
  const out = maskError(formatted(e), e, log);
  expect(out).toEqual({ message: INTERNAL_MESSAGE, path: ['order'], extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
  expect(lines).toEqual([expect.objectContaining({ level: 50, errorId: out.extensions!.errorId, err: expect.objectContaining({ message: expect.stringContaining('invocation'), stack: expect.any(String) }) })]);
});

test('domain errors and GraphQL request errors keep their message and code', () => {
  const { log, lines } = capture();
  const domain = new DomainError(ErrorCode.ORDER_NOT_FOUND, 'No order o-1.', { orderId: 'o-1' });
  expect(maskError(formatted(domain), domain, log)).toEqual({ message: 'No order o-1.', extensions: { code: 'ORDER_NOT_FOUND', orderId: 'o-1' } });
  const validation = new GraphQLError('Cannot query field "price" on type "Order".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  expect(maskError(formatted(validation), validation, log).message).toBe('Cannot query field "price" on type "Order".');
  expect(lines).toEqual([]);
});

test('a coded error that still reads like internals, or a gateway error without a code, is masked', () => {
  const { log } = capture();
  const leaky = new GraphQLError('fetch failed', { extensions: { code: 'BAD_REQUEST' } });
  expect(maskError(formatted(leaky), leaky, log).extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  const bare = new GraphQLError('400: Bad Request', { extensions: { response: { url: 'http://10.0.0.7:4002/graphql', body: 'x' } } });
  const out = maskError(formatted(bare), bare, log);
  expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
});

test('an error a subgraph already masked passes the router unchanged (its errorId leads to the subgraph’s log)', () => {
  const { log, lines } = capture();
  const fromSubgraph = new GraphQLError(INTERNAL_MESSAGE, { path: ['order'], extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: 'e6c1b1f2-0000-4000-8000-000000000001', serviceName: 'ordering' } });
  expect(maskError(formatted(fromSubgraph), fromSubgraph, log).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: 'e6c1b1f2-0000-4000-8000-000000000001', serviceName: 'ordering' });
  expect(lines).toEqual([]);
});
