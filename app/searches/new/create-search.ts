"use server";
/**
 * The form's one write: validates the submitted values with the same definition the browser ran
 * (`checkSearchForm`, hence defineSearch, as the CLI), with what only the server can check (the
 * working directory exists, the machine type is known), queues the search for the worker, and
 * opens its page. Refusals come back as messages per field for `useActionState`; nothing is
 * stored then.
 */
import { randomInt } from "node:crypto";
import { redirect } from "next/navigation";
import {
  type CreateSearchState,
  checkSearchForm,
  type FieldMessages,
  searchFormSchema,
} from "../../../lib/console/search-form";
import { isHyperbayesError } from "../../../lib/errors";
import { defaultMachineType, resolveMachineType } from "../../../lib/machines/types";
import { MAX_SEED } from "../../../lib/search/settings";
import type { SearchSpec } from "../../../lib/search/spec";
import { workingDirectoryProblem } from "../../../lib/search/working-directory";
import { assertActionAllowed, ForbiddenError } from "../../_server/auth";
import { MAX_BODY_BYTES } from "../../_server/guard";
import { getStore } from "../../_server/store";

function refuse(errors: FieldMessages, valuesJson: string, warnings: FieldMessages = {}) {
  return { errors, warnings, valuesJson } satisfies CreateSearchState;
}

export async function createSearch(
  _previous: CreateSearchState,
  formData: FormData,
): Promise<CreateSearchState> {
  try {
    await assertActionAllowed();
  } catch (e) {
    if (e instanceof ForbiddenError) return refuse({ form: [e.message] }, "");
    throw e;
  }
  const raw = formData.get("values");
  if (typeof raw !== "string" || raw.length > MAX_BODY_BYTES)
    return refuse({ form: ["the form sent no values"] }, "");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return refuse({ form: ["the form's values are not valid JSON"] }, raw);
  }
  const parsed = searchFormSchema.safeParse(json);
  if (!parsed.success) {
    const errors: FieldMessages = {};
    for (const issue of parsed.error.issues) {
      const key = issue.path.length > 0 ? issue.path.join(".") : "form";
      errors[key] = [...(errors[key] ?? []), issue.message];
    }
    return refuse(errors, raw);
  }
  let spec: SearchSpec;
  try {
    // A blank machine type is what the CLI takes without -t.
    const machineType =
      parsed.data.machineType.trim() === "" ? await defaultMachineType() : undefined;
    const check = checkSearchForm(parsed.data, {
      randomSeed: () => randomInt(0, MAX_SEED),
      workingDirectoryProblem,
      ...(machineType !== undefined ? { machineType } : {}),
    });
    if (!check.spec) return refuse(check.errors, raw, check.warnings);
    await resolveMachineType(check.spec.machineType);
    spec = check.spec;
  } catch (e) {
    if (isHyperbayesError(e) && e.code === "usage")
      return refuse({ machineType: [e.message] }, raw);
    throw e;
  }

  let id: number;
  try {
    const store = await getStore();
    id = (await store.createSearch(spec)).id;
  } catch (e) {
    if (isHyperbayesError(e) && e.code === "usage") return refuse({ form: [e.message] }, raw);
    throw e;
  }
  redirect(`/searches/${id}`);
}
