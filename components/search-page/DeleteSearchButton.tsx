"use client";
/**
 * Delete, on an ended search's page: asks first (ConfirmButton), then runs the server action
 * (app/searches/[id]/delete-search.ts) and goes back to the list; a refusal is shown in place.
 */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmButton } from "../ui/ConfirmButton";

export type DeleteAction = (id: number) => Promise<{ ok: true } | { ok: false; message: string }>;

export function DeleteSearchButton({
  id,
  trials,
  deleteAction,
}: {
  id: number;
  trials: number;
  deleteAction: DeleteAction;
}) {
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <ConfirmButton
        label="Delete"
        tone="danger"
        question={`Delete search #${id}, its ${trials} trial${trials === 1 ? "" : "s"} and their logs? This cannot be undone.`}
        confirmLabel="Delete search"
        testId="delete-search"
        onConfirm={async () => {
          const result = await deleteAction(id);
          if (result.ok) router.push("/");
          else setProblem(result.message);
        }}
      />
      {problem ? (
        <span className="notice" role="alert" data-testid="delete-problem">
          {problem}
        </span>
      ) : null}
    </>
  );
}
