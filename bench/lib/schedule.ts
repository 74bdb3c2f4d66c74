/**
 * The open-loop clock: calls `fire(i, scheduledAt, now)` for i = 0..total-1 at
 * `start + i * intervalMs`, never waiting for earlier calls to finish. Sleeps on a timer until
 * about a millisecond before the next send is due (timers have a 1 ms grain and wake late), then
 * polls, so that the generator's own lateness stays well under a millisecond.
 * Returns the scheduled time of the first send.
 */
export async function onSchedule(
  total: number,
  intervalMs: number,
  fire: (i: number, scheduledAt: number, now: number) => void,
): Promise<number> {
  const start = performance.now() + 5;
  let index = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (index < total && start + index * intervalMs <= now) {
        fire(index, start + index * intervalMs, now);
        index++;
      }
      if (index >= total) return resolve();
      const wait = start + index * intervalMs - performance.now();
      if (wait > 2) setTimeout(tick, Math.floor(wait) - 1);
      else setImmediate(tick);
    };
    setTimeout(tick, 5);
  });
  return start;
}
