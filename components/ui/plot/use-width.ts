"use client";
/**
 * The width of a box, in pixels, kept up to date as the page resizes: what every chart that
 * draws at its box's size (SVG plots, canvases) lays out with. Read before the first paint (a
 * layout effect), so a chart draws once at its real width, not once at a guess and again.
 */
import { type RefObject, useLayoutEffect, useState } from "react";

/** `ref`'s width (at least `min`), or `initial` until it is in the page. */
export function useWidth(ref: RefObject<HTMLElement | null>, min: number, initial: number): number {
  const [width, setWidth] = useState(initial);
  useLayoutEffect(() => {
    const box = ref.current;
    if (!box) return;
    const read = () => setWidth(Math.max(min, box.clientWidth));
    read();
    const ro = new ResizeObserver(read);
    ro.observe(box);
    return () => ro.disconnect();
  }, [ref, min]);
  return width;
}
