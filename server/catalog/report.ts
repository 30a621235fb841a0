import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { displayRef } from "./refs";
import { decodeCursor, encodeCursor } from "./queries";

/**
 * The scorecard org overview: one row per owner (team/group) with how many of its entities are scored, the average
 * score and how many reached each level. Sortable; keyset-paginated on the sort column. CSV export of the same rows.
 */

export const overviewInput = z.object({
  sort: z.enum(["owner", "entities", "average", "gold", "silver", "bronze", "none"]).default("average"),
  dir: z.enum(["asc", "desc"]).default("desc"),
  kind: z.string().max(50).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export type OverviewRow = { ownerRef: string; owner: string; teamSlug: string | null; teamName: string | null; entities: number; average: number; bronze: number; silver: number; gold: number; none: number };

type Raw = { ownerRef: string; teamSlug: string | null; teamName: string | null; entities: bigint; average: number; bronze: bigint; silver: bigint; gold: bigint; none: bigint };

const SORT_COLUMN: Record<z.output<typeof overviewInput>["sort"], string> = {
  owner: `"ownerRef"`,
  entities: `"entities"`,
  average: `"average"`,
  gold: `"gold"`,
  silver: `"silver"`,
  bronze: `"bronze"`,
  none: `"none"`,
};

export async function scorecardOverview(db: Db, input: z.output<typeof overviewInput>) {
  const col = Prisma.raw(SORT_COLUMN[input.sort]);
  const dir = Prisma.raw(input.dir === "asc" ? "ASC" : "DESC");
  const cmp = Prisma.raw(input.dir === "asc" ? ">" : "<");
  const after = input.cursor ? decodeCursor(z.object({ v: z.union([z.string(), z.number()]), o: z.string() }), input.cursor) : null;
  const keyset = after
    ? input.sort === "owner"
      ? Prisma.sql`WHERE "ownerRef" ${cmp} ${String(after.v)}`
      : Prisma.sql`WHERE (${col} ${cmp} ${Number(after.v)} OR (${col} = ${Number(after.v)} AND "ownerRef" > ${after.o}))`
    : Prisma.empty;
  // From the per-(owner, kind, team) rollup the score triggers maintain (signed deltas: summed, empty groups dropped),
  // not from the score rows: a few thousand small rows instead of every scored entity.
  const rows = await db.$queryRaw<Raw[]>`
    SELECT * FROM (
      SELECT coalesce(r."ownerRef", '(no owner)') AS "ownerRef", min(t."slug") AS "teamSlug", min(t."name") AS "teamName", sum(r.n) AS "entities",
        round(sum(r."scoreSum") / sum(r.n), 1)::float8 AS "average",
        sum(r."bronze") AS "bronze", sum(r."silver") AS "silver", sum(r."gold") AS "gold", sum(r."none") AS "none"
      FROM (
        SELECT "ownerRef", "ownerTeamId", sum("n") AS n, sum("scoreSum") AS "scoreSum", sum("bronze") AS "bronze", sum("silver") AS "silver",
          sum("gold") AS "gold", sum("none") AS "none"
        FROM "EntityScoreRollup" ${input.kind ? Prisma.sql`WHERE "kind" = ${input.kind}` : Prisma.empty}
        GROUP BY 1, 2 HAVING sum("n") > 0
      ) r LEFT JOIN "Team" t ON t."id" = r."ownerTeamId"
      GROUP BY 1
    ) x ${keyset}
    ORDER BY ${col} ${dir}, "ownerRef" ASC LIMIT ${input.limit + 1}`;
  const items: OverviewRow[] = rows.slice(0, input.limit).map((r) => ({
    ownerRef: r.ownerRef,
    owner: r.ownerRef.includes(":") ? displayRef(r.ownerRef).replace(/^group:/, "") : r.ownerRef,
    teamSlug: r.teamSlug,
    teamName: r.teamName,
    entities: Number(r.entities),
    average: r.average,
    bronze: Number(r.bronze),
    silver: Number(r.silver),
    gold: Number(r.gold),
    none: Number(r.none),
  }));
  const last = items[items.length - 1];
  const v = last ? (input.sort === "owner" ? last.ownerRef : (last as unknown as Record<string, number>)[input.sort === "average" ? "average" : input.sort]) : null;
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor({ v: v!, o: last.ownerRef }) : null };
}

export const exportInput = overviewInput.omit({ cursor: true, limit: true });
export const EXPORT_MAX_ROWS = 10_000;

function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : String(v);
  // Spreadsheet formula injection: a leading = + - @ is neutralised.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The overview as CSV (at most EXPORT_MAX_ROWS owners, in the chosen order). */
export async function scorecardCsv(db: Db, input: z.output<typeof exportInput>) {
  const header = ["owner", "owner_ref", "team", "entities", "average_score", "gold", "silver", "bronze", "none"];
  const lines = [header.join(",")];
  let cursor: string | null = null;
  let n = 0;
  do {
    const page: Awaited<ReturnType<typeof scorecardOverview>> = await scorecardOverview(db, { ...input, cursor, limit: 200 });
    for (const r of page.items) {
      lines.push([r.owner, r.ownerRef, r.teamName ?? "", r.entities, r.average, r.gold, r.silver, r.bronze, r.none].map(csvCell).join(","));
      n += 1;
    }
    cursor = page.nextCursor;
  } while (cursor && n < EXPORT_MAX_ROWS);
  return { filename: `scorecards-${new Date().toISOString().slice(0, 10)}.csv`, contentType: "text/csv", rows: n, truncated: !!cursor, csv: lines.join("\n") + "\n" };
}
