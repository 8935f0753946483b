import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, isDomainError } from './errors';
import type { Logger } from './logger';

/**
 * What a client may see of an error (issue 10, point 3: errors never leak internals).
 *
 * Kept as they are: the domain's coded errors (platform/errors.ts) and the GraphQL
 * request errors of Apollo Server and graphql-js (parse, validation, variable values,
 * bad request) — their messages are about the client's own request.
 * Everything else is masked: a plain message, `extensions.code` INTERNAL_SERVER_ERROR and
 * `extensions.errorId`, a UUID that is also in the log line carrying the full error
 * (`errorId`, `err` with its stack), so an operator finds the cause from a client's report.
 * A kept error whose message still looks like internals (a stack frame, a source path, a
 * Prisma or SQL or driver text) is masked all the same: the net under the rule.
 */
export const INTERNAL_MESSAGE = 'Internal error. Report the errorId to get it looked into.';

/** Codes of the request errors Apollo Server and graphql-js raise about the client's request. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
const DOMAIN_CODES = new Set<string>(Object.values(ErrorCode));

/** Text no client should read: stack frames, source paths, Prisma/SQL/driver/fetch messages. */
const INTERNALS =
  /\n\s+at\s|\bat\s.+:\d+:\d+|(?:^|[\s(])(?:\/|[A-Za-z]:\\)[\w.-]+[\\/][\w.\\/-]+\.(?:ts|js|mjs|cjs)|\binvocation\b|prisma|\bP\d{4}\b|\bSQL|postgres|sqlite|libsql|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|\bsocket\b|duplicate key|violates|relation "|syntax error at|node_modules/i;

/** True when a message reads like internals (see {@link INTERNALS}). */
export const looksInternal = (message: string): boolean => INTERNALS.test(message);

/** Extensions that never go to a client (Apollo's debugging aids, the gateway's HTTP response of a subgraph). */
const HIDDEN_EXTENSIONS = ['stacktrace', 'exception', 'response'];

/**
 * Apollo Server `formatError` for a subgraph or the router: keeps client-facing errors,
 * masks the rest and logs them with their errorId. An error a subgraph already masked
 * (INTERNAL_SERVER_ERROR with an errorId) passes through the router unchanged, so the id
 * leads to the subgraph's log line.
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError {
  const original = (error as { originalError?: unknown } | undefined)?.originalError ?? error;
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const known =
    code !== ErrorCode.INTERNAL_SERVER_ERROR && (isDomainError(original) || (code !== undefined && (DOMAIN_CODES.has(code) || REQUEST_ERROR_CODES.has(code))));
  const alreadyMasked = code === ErrorCode.INTERNAL_SERVER_ERROR && typeof formatted.extensions?.errorId === 'string' && formatted.message === INTERNAL_MESSAGE;
  if ((known || alreadyMasked) && !looksInternal(formatted.message)) {
    const extensions = Object.fromEntries(Object.entries(formatted.extensions ?? {}).filter(([k]) => !HIDDEN_EXTENSIONS.includes(k)));
    return { ...formatted, extensions };
  }
  const errorId = randomUUID();
  log.error({ errorId, err: original, path: formatted.path, code }, 'unexpected error (masked for the client)');
  return {
    message: INTERNAL_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId },
  };
}
