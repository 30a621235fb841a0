import { DeploysList } from "@/components/deploys/deploys-list";

export const metadata = { title: "Deploys" };

export default function DeploysPage() {
  return <DeploysList />;
}
