// Every setting is validated at start: a bad value is one line of the configuration error list
// (platform/config.ts, router/config.ts), never a crash deeper in (pino's "unknown level").
import { baseEnvSchema, parseEnv } from '../../platform/config';
import { loadRouterConfig } from '../../router/config';
import { CONTEXTS } from '../../subgraphs/registry';

test('LOG_LEVEL, LOG_FORMAT and PORT of a context are checked with the rest, all problems at once', () => {
  expect(() => parseEnv(baseEnvSchema, { LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', PORT: 'abc', OUTBOX_POLL_MS: '-1' })).toThrow(
    /^Invalid configuration:\n(?=[\s\S]*  - LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent)(?=[\s\S]*  - LOG_FORMAT: must be json or pretty)(?=[\s\S]*  - PORT: must be a port number \(0-65535\))(?=[\s\S]*  - OUTBOX_POLL_MS)/,
  );
  const defaults = parseEnv(baseEnvSchema, {});
  expect(defaults.LOG_LEVEL).toBe('info');
  expect(defaults.PORT).toBeUndefined();
  expect(parseEnv(baseEnvSchema, { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty', PORT: '4100' })).toMatchObject({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty', PORT: 4100 });
});

test('a context started with LOG_LEVEL=loud stops with the configuration error list before it touches anything', async () => {
  await expect(CONTEXTS.payment.start({ LOG_LEVEL: 'loud', DATA_DIR: '/nonexistent/never-created' })).rejects.toThrow(
    'Invalid configuration:\n  - LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
  );
});

test('the router checks LOG_LEVEL too', () => {
  expect(() => loadRouterConfig({ LOG_LEVEL: 'loud' })).toThrow('Invalid configuration:\n  - LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
});

test('ordering refuses a recovery age not clearly longer than the payment timeout (recovery would reject orders whose charge is in flight)', async () => {
  for (const stale of ['5000', '14999']) {
    await expect(CONTEXTS.ordering.start({ PAYMENT_TIMEOUT_MS: '10000', RECOVERY_STALE_MS: stale, DATA_DIR: '/nonexistent/never-created' })).rejects.toThrow(
      'Invalid configuration:\n  - RECOVERY_STALE_MS: must be at least PAYMENT_TIMEOUT_MS + 5000 ms',
    );
  }
  // The defaults (610 ms, 30 s) hold.
  await expect(CONTEXTS.ordering.start({ LOG_LEVEL: 'loud', DATA_DIR: '/nonexistent/never-created' })).rejects.toThrow(/^Invalid configuration:\n  - LOG_LEVEL[^\n]*$/);
});

test('a context refuses CONSUMER_CONCURRENCY not below DATABASE_POOL_MAX (events in hand would take every connection)', async () => {
  await expect(CONTEXTS.payment.start({ CONSUMER_CONCURRENCY: '10', DATABASE_POOL_MAX: '10', DATA_DIR: '/nonexistent/never-created' })).rejects.toThrow(
    'Invalid configuration:\n  - CONSUMER_CONCURRENCY: must be less than DATABASE_POOL_MAX (10)',
  );
});
