/** How a long-running command hears Ctrl-C (SIGINT) and SIGTERM: the one home of those hooks. */

/**
 * A signal that the first SIGINT or SIGTERM aborts. `release` unhooks it, so that a signal
 * afterwards does what it did before (or what the next hook says).
 */
export function abortOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM (or when `also` settles), then unhooks. */
export function untilSignal(also?: Promise<unknown>): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = on("SIGINT");
    const onTerm = on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    also?.then(on("exit"), on("exit"));
  });
}
