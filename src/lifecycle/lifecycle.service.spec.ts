import { LifecycleService } from './lifecycle.service';

describe('LifecycleService', () => {
  it('counts work until each piece is done, once, however often done is called', async () => {
    const lifecycle = new LifecycleService();
    const first = lifecycle.begin();
    const second = lifecycle.begin();
    expect(lifecycle.workInFlight).toBe(2);
    first();
    first();
    expect(lifecycle.workInFlight).toBe(1);
    const idle = lifecycle.whenIdle(1000);
    second();
    await expect(idle).resolves.toBe(true);
    expect(lifecycle.workInFlight).toBe(0);
  });

  it('is idle at once when nothing is in flight', async () => {
    await expect(new LifecycleService().whenIdle(0)).resolves.toBe(true);
  });

  it('gives up waiting after the timeout', async () => {
    jest.useFakeTimers();
    try {
      const lifecycle = new LifecycleService();
      lifecycle.begin();
      const idle = lifecycle.whenIdle(5000);
      jest.advanceTimersByTime(5000);
      await expect(idle).resolves.toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('drains before it closes, and tells drain listeners once', () => {
    const lifecycle = new LifecycleService();
    const listener = jest.fn();
    lifecycle.onDrain(listener);
    expect([lifecycle.isDraining, lifecycle.isClosing]).toEqual([false, false]);
    lifecycle.startDraining();
    expect([lifecycle.isDraining, lifecycle.isClosing]).toEqual([true, false]);
    lifecycle.startClosing();
    expect([lifecycle.isDraining, lifecycle.isClosing]).toEqual([true, true]);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
