"use server";
/**
 * Stop (running trials get SIGTERM and keep what they reported; none start) or kill (running
 * trials get SIGKILL now) a search.
 * The worker that runs it sees the request on its next tick; a queued search ends at once.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { isHyperbayesError } from "../../../lib/errors";
import { assertActionAllowed, ForbiddenError } from "../../_server/auth";
import { getStore } from "../../_server/store";

const input = z.object({
  id: z.number().int().positive(),
  mode: z.enum(["stop", "kill"]),
});

export async function stopSearch(
  id: number,
  mode: "stop" | "kill",
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await assertActionAllowed();
  } catch (e) {
    if (e instanceof ForbiddenError) return { ok: false, message: e.message };
    throw e;
  }
  const parsed = input.safeParse({ id, mode });
  if (!parsed.success) return { ok: false, message: "bad stop request" };
  try {
    const store = await getStore();
    await store.requestStop(parsed.data.id, parsed.data.mode);
  } catch (e) {
    if (isHyperbayesError(e)) return { ok: false, message: e.message };
    throw e;
  }
  revalidatePath(`/searches/${parsed.data.id}`);
  return { ok: true };
}
