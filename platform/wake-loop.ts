import type { Logger } from './logger';
import { detached } from './tracing';

/**
 * Runs a pass of background work when woken (right after a commit that created
 * work) and every `pollMs` otherwise, so nothing waits for a poll and nothing is
 * missed if a wake-up is. One pass at a time: a wake-up during a pass runs another
 * right after it. `stop()` waits for the pass in hand. Used by the outbox relay,
 * notification's send lanes and rewards' message dispatcher.
 */
export class WakeLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private halted = true;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly opts: { pollMs: number; log: Logger; failure: string },
  ) {}

  /** True until started and after stop(): a long pass may check it to end early. */
  get stopped(): boolean {
    return this.halted;
  }

  /** True while a pass runs: a wake-up now only asks for another pass after it. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    this.halted = false;
    this.notify();
  }

  notify(): void {
    if (this.halted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    // A pass serves every request's work, not the one whose commit woke it: no trace or log fields of that request.
    this.running = detached(() => this.pass())
      .then(() => undefined)
      .catch((e) => this.opts.log.error({ err: e }, this.opts.failure))
      .finally(() => {
        this.running = undefined;
        if (this.halted) return;
        if (this.again) {
          this.again = false;
          this.notify();
        } else {
          this.timer = setTimeout(() => this.notify(), this.opts.pollMs);
        }
      });
  }

  async stop(): Promise<void> {
    this.halted = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/**
 * Resolves on the event loop's next turn (setImmediate), after pending I/O and timers.
 * Awaited between items of a long batch so a backlog (a consumer catching up, a sender
 * with many due messages) cannot starve health probes and requests: with a synchronous
 * driver (notification's SQLite via libsql) every statement and commit runs on the loop,
 * and promise continuations alone never let I/O in.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
