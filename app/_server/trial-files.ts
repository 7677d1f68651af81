/**
 * A trial's files, found from ids alone: lib/home's `trialDir` under the data directory the CLI
 * handed this server. The console never opens a path taken from a request or from a stored
 * handle, only this directory, built from two integers the route has already checked, so no
 * request can reach another file.
 */
import "server-only";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { LogTail } from "../../lib/console/views";
import { readTail } from "../../lib/executors/log-cap.mjs";
import { defaultHome, trialDir } from "../../lib/home";

/** Bytes of each log the trial page shows. */
export const LOG_TAIL_BYTES = 64 * 1024;

/**
 * The last `bytes` of the trial's stdout or stderr; empty when the file does not exist (yet).
 * Read through the log cap's primitive (lib/executors/log-cap.mjs), so a log cut in place while
 * it is read is never shown half old, half new.
 */
export async function readLogTail(
  searchId: number,
  trialNumber: number,
  stream: "stdout" | "stderr",
  bytes = LOG_TAIL_BYTES,
): Promise<LogTail> {
  const file = join(trialDir(defaultHome(), searchId, trialNumber), `${stream}.log`);
  try {
    if (!(await stat(file)).isFile()) return { stream, text: "", size: 0, truncated: false };
  } catch {
    return { stream, text: "", size: 0, truncated: false };
  }
  const tail = readTail(file, bytes);
  let text = tail.bytes.toString("utf8");
  // Cut at the first line break so the tail starts on a whole line (and a whole character).
  if (tail.start > 0) {
    const nl = text.indexOf("\n");
    if (nl >= 0) text = text.slice(nl + 1);
  }
  // Progress bars rewrite their line with \r; show only the last state of each line.
  text = text
    .split("\n")
    .map((line) => {
      const cr = line.lastIndexOf("\r", line.length - 2);
      return cr >= 0 ? line.slice(cr + 1) : line;
    })
    .join("\n");
  return { stream, text, size: tail.size, truncated: tail.start > 0 };
}
