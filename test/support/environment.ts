/**
 * Jest test environment: Node's, plus the clean-up of test/support/children.ts. Its teardown
 * runs after a test file's last test and last afterAll hook, so whatever the file did or failed
 * to do, no process it started (tracked by `spawnChild`) is left running afterwards.
 */
import NodeEnvironment from 'jest-environment-node';
import { CHILDREN, killTracked, type Tracked } from './children';

export default class OrdergraphEnvironment extends NodeEnvironment {
  private readonly tracked: Tracked = new Map();

  async setup(): Promise<void> {
    await super.setup();
    (this.global as Record<symbol, unknown>)[CHILDREN] = this.tracked;
  }

  async teardown(): Promise<void> {
    await killTracked(this.tracked);
    await super.teardown();
  }
}
