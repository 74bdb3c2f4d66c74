import { Injectable } from '@nestjs/common';
import type { ServingState } from '../observability/serving-state.service';

/**
 * Whether the instance is shutting down, and how much work (HTTP requests, socket events) is
 * still in flight, so that shutdown can wait for every acknowledgement before it closes the
 * database. Draining: readiness answers 503. Closing (later): no new work is taken.
 */
@Injectable()
export class LifecycleService implements ServingState {
  private draining = false;
  private closing = false;
  private inFlight = 0;
  private readonly drainListeners: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  get isDraining(): boolean {
    return this.draining;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  get workInFlight(): number {
    return this.inFlight;
  }

  /** Readiness answers 503 from now on; listeners learn it once. */
  startDraining(): void {
    if (this.draining) return;
    this.draining = true;
    for (const listener of this.drainListeners) listener();
  }

  /** From now on new socket events are refused; what is in flight still finishes. */
  startClosing(): void {
    this.startDraining();
    this.closing = true;
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /** Counts one piece of work until the returned function is called (calls after the first are no-ops). */
  begin(): () => void {
    this.inFlight += 1;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) this.wakeIdleWaiters();
    };
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
