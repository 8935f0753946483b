import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './ports';

/** One graphql-ws subscription as a test sees it: everything received, in order, and how the socket closed. */
export interface TestSubscription {
  received: any[];
  errors: any[];
  /** Pushes that carried data and errors (a partial answer): `{ data, errors }`; their errors are in `errors` too. */
  partial: Array<{ data: any; errors: any[] }>;
  /** Resolves with the close event's code once the socket closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Waits until `n` payloads arrived; returns them all. */
  waitForCount(n: number, what?: string): Promise<any[]>;
  /** Waits for a payload matching `pred`. */
  waitFor(pred: (v: any) => boolean, what: string): Promise<any>;
  /** Resolves once the server acknowledged the connection. */
  connected: Promise<void>;
  close(): Promise<void>;
}

/** Subscribes over graphql-ws (the `ws` package as the socket) with a bearer token in connectionParams. */
export function subscribe(routerUrl: string, token: string | null, query: string, variables: Record<string, unknown> = {}): TestSubscription {
  const received: any[] = [];
  const errors: any[] = [];
  const partial: Array<{ data: any; errors: any[] }> = [];
  let onClosed!: (e: { code: number; reason: string }) => void;
  let onConnected!: () => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
  const connected = new Promise<void>((r) => (onConnected = r));
  const client: Client = createClient({
    url: routerUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    // The close is recorded in `closed`; graphql-ws would print it otherwise.
    onNonLazyError: () => undefined,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      connected: () => onConnected(),
      closed: (e: any) => onClosed({ code: e?.code, reason: String(e?.reason ?? '') }),
    },
  });
  client.subscribe(
    { query, variables },
    {
      next: (v) => {
        if (!v.errors) return void received.push(v.data);
        errors.push(...v.errors);
        if (v.data) partial.push({ data: v.data, errors: [...v.errors] });
      },
      error: (e: any) => errors.push(Array.isArray(e) ? e[0] : e),
      complete: () => undefined,
    },
  );
  return {
    received,
    errors,
    partial,
    closed,
    connected,
    waitForCount: (n, what = `${n} pushes`) => waitFor(async () => (received.length >= n ? received : null), what, 20_000, 25),
    waitFor: (pred, what) => waitFor(async () => received.find(pred) ?? null, what, 20_000, 25),
    close: async () => {
      await client.dispose();
    },
  };
}
