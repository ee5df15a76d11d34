import type { Logger } from 'pino';

/**
 * Work the running server does on its own (a module declares it: `background` in defineModule), each task
 * on its own timer: one run at a time (a tick while the last run is still going is skipped), an error is
 * logged and the next tick tries again. Each run goes through the same use cases, audit and permissions
 * as the CLI command doing the same work.
 */
export interface BackgroundTask {
  /** Named in the log. */
  name: string;
  everyMs: number;
  /** One run; what it returns is logged when not null (a one-line summary). */
  run(): Promise<string | null>;
}

export interface RunningTasks {
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>;
}

export function startBackground(tasks: readonly BackgroundTask[], logger: Pick<Logger, 'info' | 'error'>): RunningTasks {
  const running = new Set<Promise<void>>();
  const timers = tasks.map((task) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const p = task
        .run()
        .then((summary) => {
          if (summary !== null) logger.info({ task: task.name }, summary);
        })
        .catch((err) => logger.error({ task: task.name, err: String(err) }, 'background task failed'))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    }, task.everyMs);
    timer.unref();
    return timer;
  });
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all([...running]);
    },
  };
}
