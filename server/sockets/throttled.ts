/** A throttled task: call it as often as you like; `cancel` drops a run still waiting. */
export interface Throttled {
  (): Promise<unknown>;
  cancel(): void;
}

/**
 * Runs `task` at most once per `everyMs`: the first call at once, a call in between schedules
 * one trailing run, so the last call is never lost. The timer does not keep the process alive.
 */
export function throttled(everyMs: number, task: () => Promise<unknown>): Throttled {
  let last = -Infinity;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  const run = (): Promise<unknown> => {
    last = Date.now();
    return task();
  };
  const call = (): Promise<unknown> => {
    const wait = last + everyMs - Date.now();
    if (wait <= 0) return run();
    trailing ??= setTimeout(() => {
      trailing = undefined;
      void run().catch(() => undefined);
    }, wait);
    trailing.unref();
    return Promise.resolve();
  };
  return Object.assign(call, {
    cancel: () => {
      clearTimeout(trailing);
      trailing = undefined;
    },
  });
}
