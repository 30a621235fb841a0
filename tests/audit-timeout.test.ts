import { describe, expect, it } from "vitest";
import { runAudited } from "@/server/audit/append";
import { useTestDatabase } from "./helpers/db";
import { lastSeq, uniq } from "./helpers/fixtures";

const actor = { actorId: null, actorLabel: "timeout-test", ip: "", requestId: "" };

describe("runAudited transaction limit", () => {
  const t = useTestDatabase();

  it("a change that outlives its limit is rolled back with its audit row; a longer limit lets it commit", async () => {
    const slug = uniq("slow");
    const seq = await lastSeq(t.db);
    const slowChange = async (tx: Parameters<Parameters<typeof runAudited>[3]>[0]) => {
      await tx.team.create({ data: { slug, name: "Slow" } });
      await new Promise((r) => setTimeout(r, 400));
      return { result: true, targetType: "team", targetId: slug };
    };
    await expect(runAudited(t.db, actor, "team.create", slowChange, { timeoutMs: 100 })).rejects.toThrow();
    expect(await t.db.team.findUnique({ where: { slug } })).toBeNull();
    expect(await lastSeq(t.db)).toBe(seq);

    await expect(runAudited(t.db, actor, "team.create", slowChange, { timeoutMs: 5_000 })).resolves.toBe(true);
    expect(await t.db.team.findUnique({ where: { slug } })).not.toBeNull();
    expect(await lastSeq(t.db)).toBe(seq + 1n);
  });
});
