"use client";
import { useEffect, useState } from "react";

/** The current time, re-read every `everyMs` while `active`, so ages and running durations keep counting between updates. */
export function useNow(everyMs = 5_000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs, active]);
  return now;
}
