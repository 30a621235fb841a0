import { requireMe } from "@/server/http/caller";
import { DeployDetail } from "@/components/deploys/deploy-detail";

export const metadata = { title: "Deploy" };

/** /deploys/<id>: one deploy's timeline, live pods, approvals, canary analysis. */
export default async function DeployPage({ params }: { params: Promise<{ id: string }> }) {
  const [{ id }] = await Promise.all([params, requireMe()]);
  return <DeployDetail key={id} id={id} />;
}
