import { requireMe } from "@/server/http/caller";
import { RunbookEditor } from "@/components/runbooks/runbook-editor";

export const metadata = { title: "New runbook" };

export default async function NewRunbookPage() {
  const me = await requireMe();
  // The template names a team the author may edit for (engineer or above), else their first team.
  const team = me.teams.find((t) => t.role !== "viewer") ?? me.teams[0];
  return <RunbookEditor mode="create" owner={team?.slug ?? "my-team"} />;
}
