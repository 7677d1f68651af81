/**
 * A name (a parameter's, a metric's) that may wrap after `_`, `.`, `/` and `-` rather than
 * mid-word, for narrow headers: `learning_rate_` / `warmup_steps`.
 */
export function BreakableName({ name }: { name: string }) {
  const parts = name.split(/(?<=[_./-])/);
  return parts.map((part, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed name, in order
    <span key={i}>
      {part}
      {i < parts.length - 1 ? <wbr /> : null}
    </span>
  ));
}
