/** One labelled figure of a page's summary panel (search header, trial page). */
import type { ReactNode } from "react";

export function Fact({
  label,
  className,
  testId,
  wide,
  children,
}: {
  label: ReactNode;
  /** Extra classes of the value: "big", "mono". */
  className?: string;
  testId?: string;
  /** Two columns of the panel's grid, for a figure with words beside it. */
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <div className={wide ? "fact wide" : "fact"}>
      <div className="k">{label}</div>
      <div className={className ? `v ${className}` : "v"} data-testid={testId}>
        {children}
      </div>
    </div>
  );
}
