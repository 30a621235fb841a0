import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { serverCaller } from "@/server/http/caller";
import { signOutAction } from "@/app/actions/auth";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const caller = await serverCaller();
  const [me, info] = await Promise.all([caller.me.current(), caller.system.info()]);
  if (!me) redirect("/signin");
  return (
    <AppShell user={{ name: me.name, email: me.email, isGlobalAdmin: me.isGlobalAdmin, permissions: me.permissions }} demoMode={info.demoMode} signOutAction={signOutAction}>
      {children}
    </AppShell>
  );
}
