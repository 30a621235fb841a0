import { requireMe } from "@/server/http/caller";
import { RunbookPage } from "@/components/runbooks/runbook-page";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `Runbook ${(await params).name}` };
}

/** /runbooks/<name>: description, parameters, steps, run form, recent runs, versions. */
export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const [{ name }] = await Promise.all([params, requireMe()]);
  return <RunbookPage key={name} name={decodeURIComponent(name)} />;
}
