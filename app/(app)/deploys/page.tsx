import { Rocket } from "lucide-react";
import { NotYetAvailable } from "@/components/ui/coming";

export const metadata = { title: "Deploys" };

export default function DeploysPage() {
  return (
    <NotYetAvailable
      title="Deploys"
      icon={<Rocket className="size-6" />}
      description="Roll out versions to Kubernetes environments with four-eyes approval, live progress and one-click rollback."
      points={["Active and recent deploys across environments", "Approvals waiting for you", "Live rollout progress and rollback", "Canary analysis"]}
    />
  );
}
