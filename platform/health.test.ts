import { fail, Liveness, pass, Readiness } from './health';

describe('Readiness', () => {
  test('not ready while starting (with what it waits for), ready when running and every check passes', async () => {
    const r = new Readiness('svc', { intervalMs: 60_000 });
    let connected = false;
    r.addCheck('nats', () => (connected ? pass() : fail('not connected')));
    r.starting('waiting for NATS at nats://x:4222');
    expect(r.report()).toEqual({ status: 'not ready', service: 'svc', phase: 'starting', checks: { started: { ok: false, detail: 'waiting for NATS at nats://x:4222' } } });
    await r.running();
    expect(r.report().status).toBe('not ready');
    connected = true;
    expect(r.report()).toMatchObject({ status: 'ready', phase: 'running', checks: { nats: { ok: true } } });
    r.draining();
    expect(r.report()).toMatchObject({ status: 'not ready', phase: 'draining', checks: { draining: { ok: false } } });
    r.stop();
  });

  test('a polled check runs in the background, not per probe; a slow one fails by its deadline; advisory ones do not decide', async () => {
    let calls = 0;
    let hang = false;
    const r = new Readiness('svc', { intervalMs: 60_000, timeoutMs: 50 })
      .addPolledCheck('database', async () => {
        calls++;
        if (hang) await new Promise(() => undefined);
        return pass();
      })
      .addPolledCheck('subgraphs', async () => fail('unreachable: payment'), { advisory: true });
    await r.running();
    for (let i = 0; i < 100; i++) r.report();
    expect(calls).toBe(1);
    expect(r.report()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, subgraphs: { ok: false, advisory: true } } });
    hang = true;
    await r.refresh();
    expect(r.report()).toMatchObject({ status: 'not ready', checks: { database: { ok: false, detail: 'no answer within 50 ms' } } });
    r.stop();
  });

  test('a polled result nobody refreshed for three intervals counts as failed', async () => {
    const r = new Readiness('svc', { intervalMs: 10, timeoutMs: 10 }).addPolledCheck('database', async () => pass());
    await r.running();
    r.stop(); // the refresher is "stuck"
    await new Promise((res) => setTimeout(res, 80));
    expect(r.report().checks.database).toMatchObject({ ok: false });
  });
});

test('Liveness reports a loop blocked longer than the threshold, and forgets it on reset', async () => {
  const l = new Liveness('svc', { maxDelayMs: 100, windowMs: 60_000 }).start();
  await new Promise((r) => setTimeout(r, 50));
  expect(l.report().status).toBe('ok');
  const until = Date.now() + 300;
  while (Date.now() < until) {
    // block the loop
  }
  await new Promise((r) => setTimeout(r, 50));
  expect(l.report()).toMatchObject({ status: 'stalled', thresholdMs: 100 });
  expect(l.report().eventLoopDelayMaxMs).toBeGreaterThan(100);
  l.reset();
  expect(l.report().status).toBe('ok');
  l.stop();
});
