import type { ReactNode } from "react";
import { PageHeader } from "./card";
import { EmptyState } from "./states";

/** An area whose capability is not built yet: says plainly what will be here, shows no invented data. */
export function NotYetAvailable({ title, description, icon, points }: { title: string; description: string; icon: ReactNode; points: string[] }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <EmptyState icon={icon} title={`${title} are not set up yet`}>
        <p className="mb-3">When this capability lands, this page will show:</p>
        <ul className="list-inside list-disc text-left">{points.map((p) => <li key={p}>{p}</li>)}</ul>
      </EmptyState>
    </>
  );
}
