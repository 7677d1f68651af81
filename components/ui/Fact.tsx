/** One labelled figure of a page's summary panel (search header, trial page). */
import type { ReactNode } from "react";

export function Fact({
  label,
  className,
  testId,
  time = false,
  children,
}: {
  label: ReactNode;
  /** Extra classes of the value: "big", "mono". */
  className?: string;
  testId?: string;
  /** A time formatted in the viewer's zone: the server's rendering may differ. */
  time?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="fact">
      <div className="k">{label}</div>
      <div
        className={className ? `v ${className}` : "v"}
        data-testid={testId}
        suppressHydrationWarning={time || undefined}
      >
        {children}
      </div>
    </div>
  );
}
