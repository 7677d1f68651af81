/** `hyperbayes stop ID` and `hyperbayes kill ID`: ask the worker running a search to end it. */
import { withSearchId, withStore } from "./_common";

function command(mode: "stop" | "kill") {
  const usage =
    mode === "stop"
      ? "usage: hyperbayes stop ID\n  running trials get SIGTERM and keep what they reported; no new trials start\n"
      : "usage: hyperbayes kill ID\n  running trials are killed now (SIGKILL)\n";
  return async (argv: string[]): Promise<number> => {
    return withSearchId(argv, usage, (id) =>
      withStore(async (store) => {
        const search = await store.requestStop(id, mode);
        process.stdout.write(
          `search ${id}: ${search.status === "stopping" ? `${mode} requested` : search.status}\n`,
        );
        return 0;
      }),
    );
  };
}

export const run = command("stop");
export const runKill = command("kill");
