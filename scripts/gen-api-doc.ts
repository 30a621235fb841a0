// Writes docs/api.md from the router (npm run docs:api).
import { writeFileSync } from "node:fs";
import { renderApiDoc } from "@/server/routers/procedures";

writeFileSync("docs/api.md", renderApiDoc());
console.log("docs/api.md written");
