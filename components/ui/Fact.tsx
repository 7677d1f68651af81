/** One labelled figure of a page's summary panel (search header, trial page). */
import type { ReactNode } from "react";

export function Fact({
  label,
  className,
  testId,
  children,
}: {
  label: ReactNode;
  /** Extra classes of the value: "big", "mono". */
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <div className="fact">
      <div className="k">{label}</div>
      <div className={className ? `v ${className}` : "v"} data-testid={testId}>
        {children}
      </div>
    </div>
  );
}
