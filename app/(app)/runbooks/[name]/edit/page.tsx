import { requireMe } from "@/server/http/caller";
import { RunbookEditor } from "@/components/runbooks/runbook-editor";

export const metadata = { title: "Edit runbook" };

export default async function EditRunbookPage({ params }: { params: Promise<{ name: string }> }) {
  const [{ name }] = await Promise.all([params, requireMe()]);
  return <RunbookEditor mode="edit" name={decodeURIComponent(name)} owner="" />;
}
