/**
 * A trial's files, found from ids alone: `<HYPERBAYES_HOME>/searches/<id>/trials/<n>/`. The
 * console never opens a path taken from a request or from a stored handle, only this directory,
 * built from two integers the route has already checked, so no request can reach another file.
 */
import "server-only";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { defaultHome } from "../../db";
import type { LogTail } from "./views";

/** Bytes of each log the trial page shows. */
export const LOG_TAIL_BYTES = 64 * 1024;

export function trialDir(searchId: number, trialNumber: number): string {
  if (!Number.isSafeInteger(searchId) || searchId < 1) throw new Error("bad search id");
  if (!Number.isSafeInteger(trialNumber) || trialNumber < 1) throw new Error("bad trial number");
  return join(defaultHome(), "searches", String(searchId), "trials", String(trialNumber));
}

/** The last `bytes` of the trial's stdout or stderr; empty when the file does not exist (yet). */
export async function readLogTail(
  searchId: number,
  trialNumber: number,
  stream: "stdout" | "stderr",
  bytes = LOG_TAIL_BYTES,
): Promise<LogTail> {
  const file = join(trialDir(searchId, trialNumber), `${stream}.log`);
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return { stream, text: "", size: 0, truncated: false };
    size = s.size;
  } catch {
    return { stream, text: "", size: 0, truncated: false };
  }
  const start = Math.max(0, size - bytes);
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    let text = buf.subarray(0, bytesRead).toString("utf8");
    // Cut at the first line break so the tail starts on a whole line (and a whole character).
    if (start > 0) {
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
    return { stream, text, size, truncated: start > 0 };
  } finally {
    await handle.close();
  }
}
