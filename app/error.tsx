"use client";
/** Shown when a page fails to load (the store unreachable, a bug); offers a retry. */

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="panel empty">
      <strong>This page could not be loaded</strong>
      <p>{error.message || "An unexpected error occurred."}</p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
