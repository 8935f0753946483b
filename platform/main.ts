const shutdownRequested = new AbortController();

/**
 * Aborted once the process was asked to stop (SIGINT/SIGTERM). A start-up that waits
 * (for NATS) gives up on it instead of holding the process (platform/service.ts).
 */
export const shutdownSignal: AbortSignal = shutdownRequested.signal;

/** What a started process offers its runner. */
export interface Stoppable {
  stop(): Promise<void>;
  /** Report not ready from now on (the first thing on SIGTERM). */
  draining?(): void;
}

/**
 * Runs a long-lived process: starts it, and on SIGINT/SIGTERM stops it gracefully. The
 * handlers are installed before the start: a signal while it still waits (for NATS)
 * ends it at once. After a signal: not ready at once (`draining`), then SHUTDOWN_DELAY_MS
 * of serving on (default 0: Kubernetes' preStop hook waits instead), then the stop
 * (in-flight requests and events finish) within SHUTDOWN_TIMEOUT_MS.
 */
export function runMain(name: string, start: () => Promise<Stoppable>): void {
  const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10000);
  const delayMs = Number(process.env.SHUTDOWN_DELAY_MS ?? 0);
  let running: Stoppable | undefined;
  let signalled: string | undefined;
  const stopRunning = (r: Stoppable, signal: string) => {
    r.draining?.();
    setTimeout(() => {
      const force = setTimeout(() => {
        console.error(`${name}: did not stop within ${timeoutMs} ms after ${signal}; exiting`);
        process.exit(1);
      }, timeoutMs);
      force.unref();
      r.stop().then(
        () => process.exit(0),
        (e) => {
          console.error(`${name}: error while stopping`, e);
          process.exit(1);
        },
      );
    }, delayMs);
  };
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = signal;
    shutdownRequested.abort();
    // Still starting: the start sees the abort, cleans up and rejects (handled below).
    if (running) stopRunning(running, signal);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  start().then(
    (r) => {
      running = r;
      if (signalled) stopRunning(r, signalled);
    },
    (e) => {
      if (signalled) {
        console.error(`${name}: stopped before it was ready (${signalled})`);
        process.exit(0);
      }
      console.error(`${name} failed to start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
