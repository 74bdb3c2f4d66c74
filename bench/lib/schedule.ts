/**
 * The open-loop clock: calls `fire(i, scheduledAt, now)` for i = 0..total-1 at
 * `start + i * intervalMs`, never waiting for earlier calls to finish. Timers have a 1 ms grain
 * and wake late, so at low rates (the read scenarios) the clock sleeps until about a millisecond
 * before a send and polls the rest, keeping its own lateness well under a millisecond; at high
 * rates polling would keep a core busy, so it only sleeps, and a send is at most about a
 * millisecond late (every step records how late, as sendLag).
 */
export async function onSchedule(
  total: number,
  intervalMs: number,
  fire: (i: number, scheduledAt: number, now: number) => void,
): Promise<number> {
  const start = performance.now() + 5;
  const poll = intervalMs >= 5;
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
      if (poll && wait < 1) setImmediate(tick);
      else setTimeout(tick, Math.max(0, Math.floor(wait) - (poll ? 1 : 0)));
    };
    setTimeout(tick, 5);
  });
  return start;
}
