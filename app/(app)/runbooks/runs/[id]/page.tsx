import { requireMe } from "@/server/http/caller";
import { RunView } from "@/components/runbooks/run-view";

export const metadata = { title: "Runbook run" };

/** /runbooks/runs/<id>: one run, live. */
export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }] = await Promise.all([params, requireMe()]);
  return <RunView key={id} id={id} />;
}
