// Test-only preload (NODE_OPTIONS=--require <this file>): lets a test stall a real process's
// event loop from outside, to check its liveness endpoint. Never loaded in production.
// SIGHUP: block the loop once for BLOCK_EVENT_LOOP_MS (default 1500 ms), then carry on.
// SIGUSR2: block it for good (a hung process).
const busy = (ms) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
};
process.on('SIGHUP', () => busy(Number(process.env.BLOCK_EVENT_LOOP_MS ?? 1500)));
process.on('SIGUSR2', () => {
  for (;;) {
    // spin forever
  }
});
