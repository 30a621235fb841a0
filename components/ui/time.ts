/** "3 min ago", "2 h ago", "5 d ago" ("—" when there is no time). */
export function ago(d: Date | string | null | undefined, now = Date.now()): string {
  if (!d) return "—";
  const s = Math.max(0, Math.round((now - new Date(d).getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
