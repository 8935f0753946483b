import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { createHandler, type ExecutionResult as SseExecutionResult, type OperationArgs } from 'graphql-sse';
import { ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { Metrics } from '../platform/metrics';
import { AuthError } from './auth';
import type { SubscriptionContext, SubscriptionEngine } from './subscriptions';

/**
 * GraphQL over Server-Sent Events (the graphql-sse package's protocol, "distinct connections"
 * mode: one HTTP response per operation, what `curl -N` and a browser's EventSource use), on
 * the router's `/graphql` for requests with `Accept: text/event-stream` (GET with `query`,
 * `variables`, `operationName` in the URL, or POST with a JSON body). Everything else on
 * `/graphql` goes on to Apollo Server.
 *
 * The operation runs on the SubscriptionEngine of router/subscriptions.ts, exactly as over
 * graphql-ws: same fields, authorization, guard rails, input rules and masked errors.
 *
 * - Authentication: `Authorization: Bearer <JWT>` (never a token in the URL, where logs keep
 *   it); missing or bad → HTTP 401 with a GraphQL error coded UNAUTHENTICATED (graphql-ws:
 *   close code 4401). When the token expires, the stream ends with an UNAUTHENTICATED error.
 * - Resume: every pushed change is an SSE event with `id: <cursor>` (its ORDERING stream
 *   sequence); a client that reconnects with the standard `Last-Event-ID` header gets the
 *   changes after it, then live ones — the header replaces the operation's `after` argument
 *   (BAD_USER_INPUT with `extensions.field: "Last-Event-ID"` when it is not a cursor).
 * - The "single connection mode" of graphql-sse (PUT a stream token, then POST operations to
 *   it) is not offered: its event ids would mix the cursors of several operations, so
 *   Last-Event-ID could not say where each one stopped. A PUT is answered by Apollo Server.
 */
export const LAST_EVENT_ID_HEADER = 'last-event-id';

/** True when the request asks for an event stream (`Accept` lists text/event-stream). */
export function acceptsEventStream(req: Request): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

/** graphql-sse wants an index signature on the operation context. */
type OperationContext = SubscriptionContext & Record<PropertyKey, unknown>;

/** What one SSE request carries through graphql-sse's handler (its `Request.context`). */
interface SseRequestContext {
  ctx: SubscriptionContext;
  /** The cursors of the `next` messages, in the order onNext saw them (undefined: no change carried). */
  ids: Array<string | undefined>;
}

export interface SseHandler {
  /** Express handler for `/graphql`: serves event-stream requests, calls next() for the rest. */
  handler: RequestHandler;
  /** Open event streams. */
  open(): number;
  /** Ends every open stream (router shutdown). */
  close(): Promise<void>;
}

/** The SSE transport over `engine`; `maxBodyBytes`: largest JSON body of a POST. */
export function createSseHandler(engine: SubscriptionEngine, opts: { log: Logger; maxBodyBytes: number; metrics?: ReturnType<Metrics['subscriptions']> }): SseHandler {
  const { log } = opts;
  /** Each open stream's way to end it. */
  const streams = new Set<() => Promise<unknown>>();
  opts.metrics?.readConnections('sse', () => streams.size);
  const json = express.json({ limit: opts.maxBodyBytes });

  const handle = createHandler<Request, SseRequestContext, OperationContext>({
    // No stream tokens: the "distinct connections" mode only (see above).
    authenticate: () => null,
    context: (req) => req.context.ctx as OperationContext,
    // engine.prepare has validated already (schema, guard rails, input rules).
    validate: () => [],
    execute: (args) => engine.execute(args as ExecutionArgs) as Promise<SseExecutionResult>,
    onSubscribe: (req, params) => {
      const prepared = engine.prepare({ query: params.query, variables: params.variables, operationName: params.operationName }, req.context.ctx);
      // graphql-sse recognises a result by its `data` key; the errors go out as one `next` event, then `complete`.
      if (Array.isArray(prepared)) return { data: null, errors: prepared } as unknown as SseExecutionResult;
      return prepared as OperationArgs<OperationContext>;
    },
    onNext: (ctx, req, result) => {
      const sent = engine.sending(ctx as SubscriptionContext, result as ExecutionResult);
      req.context.ids.push(sent.change?.cursor);
      return sent.result as SseExecutionResult;
    },
  });

  async function serve(req: Request, res: Response): Promise<void> {
    let verified;
    try {
      verified = await engine.authenticate(req.headers.authorization);
    } catch (e) {
      if (e instanceof AuthError) return refuse(res, e.message);
      throw e;
    }
    const lastEventId = req.headers[LAST_EVENT_ID_HEADER];
    const context: SseRequestContext = {
      ctx: {
        actor: verified.actor,
        transport: 'sse',
        expiresAt: verified.expiresAt,
        lastEventId: typeof lastEventId === 'string' ? lastEventId.trim() : undefined,
      },
      ids: [],
    };
    const [body, init] = await handle({
      method: req.method,
      url: req.originalUrl,
      headers: {
        // graphql-sse compares Accept exactly; acceptsEventStream has decided already.
        get: (key) => (key === 'accept' ? 'text/event-stream' : ([] as string[]).concat(req.headers[key.toLowerCase()] ?? []).join(', ') || null),
      },
      body: (req.body as Record<string, unknown> | undefined) ?? null,
      raw: req,
      context,
    });
    if (!body || typeof body === 'string') {
      res.writeHead(init.status, init.statusText, init.headers);
      res.end(body ?? undefined);
      return;
    }
    // X-Accel-Buffering: proxies such as nginx would otherwise hold events back.
    res.writeHead(init.status, init.statusText, { ...init.headers, 'x-accel-buffering': 'no' });
    const end = () => body.return(undefined);
    streams.add(end);
    res.once('close', end);
    log.debug({ sub: verified.actor.sub, role: verified.actor.role, resume: context.ctx.lastEventId }, 'SSE stream opened');
    try {
      for await (const message of body) {
        // Each change's cursor is its event id, so EventSource and curl clients resume with Last-Event-ID.
        let out = message;
        if (message.startsWith('event: next')) {
          const id = context.ids.shift();
          if (id !== undefined) out = `id: ${id}\n${message}`;
        }
        if (res.destroyed) break;
        if (!res.write(out)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
      }
    } catch (e) {
      // The stream is under way (status and events sent): log it and end the response; the
      // client sees the stream end (EventSource reconnects with Last-Event-ID), never the error.
      log.error({ err: e }, 'SSE stream failed');
    } finally {
      streams.delete(end);
      res.off('close', end);
      res.end();
    }
  }

  return {
    handler: (req: Request, res: Response, next: NextFunction) => {
      if (!acceptsEventStream(req) || (req.method !== 'GET' && req.method !== 'POST')) return next();
      // Body errors (too large, not JSON) go to the router's coded error handler.
      json(req, res, (err?: unknown) => (err ? next(err) : serve(req, res).catch(next)));
    },
    open: () => streams.size,
    async close() {
      await Promise.all([...streams].map((end) => end().catch(() => undefined)));
    },
  };
}

/** The same refusal as an HTTP request without a valid token (router/gateway.ts). */
function refuse(res: Response, message: string): void {
  res
    .status(401)
    .set('WWW-Authenticate', `Bearer realm="ordergraph", error="invalid_token"`)
    .json({ errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
}
