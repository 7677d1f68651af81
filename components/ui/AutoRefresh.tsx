"use client";
/** Re-renders the server page every `ms` while `active` (the searches list while any is live). */
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function AutoRefresh({ active, ms = 2000 }: { active: boolean; ms?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), ms);
    return () => clearInterval(timer);
  }, [active, ms, router]);
  return null;
}
