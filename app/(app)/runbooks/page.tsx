import { BookOpen } from "lucide-react";
import { NotYetAvailable } from "@/components/ui/coming";

export const metadata = { title: "Runbooks" };

export default function RunbooksPage() {
  return (
    <NotYetAvailable
      title="Runbooks"
      icon={<BookOpen className="size-6" />}
      description="Operational procedures with typed parameters, approvals and live logs."
      points={["Runbooks by owner and last run status", "A run form generated from parameters", "Live step output, cancel and history", "Schedules"]}
    />
  );
}
