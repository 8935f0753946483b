/**
 * Runs a long-lived process: starts it, and on SIGINT/SIGTERM stops it gracefully
 * (in-flight requests and events finish) within SHUTDOWN_TIMEOUT_MS.
 */
export function runMain(name: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10000);
  start().then(
    (running) => {
      let signalled = false;
      const shutdown = (signal: string) => {
        if (signalled) return;
        signalled = true;
        const force = setTimeout(() => {
          console.error(`${name}: did not stop within ${timeoutMs} ms after ${signal}; exiting`);
          process.exit(1);
        }, timeoutMs);
        force.unref();
        running.stop().then(
          () => process.exit(0),
          (e) => {
            console.error(`${name}: error while stopping`, e);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    },
    (e) => {
      console.error(`${name} failed to start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
