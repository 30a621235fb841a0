import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderApiDoc } from "@/server/routers/procedures";

describe("docs/api.md", () => {
  it("matches the router (run `npm run docs:api` after changing procedures or permissions)", () => {
    expect(readFileSync("docs/api.md", "utf8")).toBe(renderApiDoc());
  });
});
