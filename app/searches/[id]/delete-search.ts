"use server";
/**
 * Delete an ended search: its rows (the store's deleteSearch, which refuses a search that may
 * still run) and then its trial files. Guarded as stop-search.ts is: the request guard's rules
 * (Host, token, origin) first, then the id read by zod.
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { isHyperbayesError } from "../../../lib/errors";
import { removeSearchFiles } from "../../../lib/executors/trial-files";
import { defaultHome } from "../../../lib/home";
import { assertActionAllowed, ForbiddenError } from "../../_server/auth";
import { getStore } from "../../_server/store";

const input = z.object({ id: z.number().int().positive() });

export async function deleteSearch(
  id: number,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await assertActionAllowed();
  } catch (e) {
    if (e instanceof ForbiddenError) return { ok: false, message: e.message };
    throw e;
  }
  const parsed = input.safeParse({ id });
  if (!parsed.success) return { ok: false, message: "bad delete request" };
  try {
    const store = await getStore();
    await store.deleteSearch(parsed.data.id);
  } catch (e) {
    if (isHyperbayesError(e)) return { ok: false, message: e.message };
    throw e;
  }
  removeSearchFiles(defaultHome(), parsed.data.id);
  revalidatePath("/");
  return { ok: true };
}
