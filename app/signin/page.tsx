import { redirect } from "next/navigation";
import { serverCaller } from "@/server/http/caller";
import { signInAsDemoUser, signInWithOidc } from "@/app/actions/auth";
import { SignInPanel } from "@/components/auth/sign-in-panel";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const caller = await serverCaller();
  if (await caller.me.current()) redirect("/");
  const info = await caller.system.info();
  const demoUsers = info.demoMode ? await caller.system.demoUsers() : [];
  const { callbackUrl, error } = await searchParams;
  return (
    <SignInPanel
      oidcName={info.oidc?.name ?? null}
      demoUsers={demoUsers}
      callbackUrl={callbackUrl ?? "/"}
      error={error ?? null}
      signInWithOidc={signInWithOidc}
      signInAsDemoUser={signInAsDemoUser}
    />
  );
}
