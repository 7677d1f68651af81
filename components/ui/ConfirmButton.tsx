"use client";
/**
 * A button that asks before it acts: the first click opens an inline confirmation naming the
 * consequence; only its second button runs `onConfirm`.
 */
import { useState } from "react";

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  tone = "default",
  disabled,
  onConfirm,
  testId,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  tone?: "default" | "danger";
  disabled?: boolean;
  onConfirm: () => Promise<void> | void;
  testId?: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className={`button ${tone === "danger" ? "danger-outline" : ""}`}
        disabled={disabled}
        data-testid={testId}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    <span className="confirm" role="alertdialog" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className={`button ${tone === "danger" ? "danger" : "primary"}`}
        disabled={busy}
        data-testid={testId ? `${testId}-confirm` : undefined}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
