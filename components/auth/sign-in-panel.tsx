import { KeyRound } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";

type DemoUser = { id: string; name: string; email: string; isGlobalAdmin: boolean; teams: string[] };

const ERRORS: Record<string, string> = {
  CredentialsSignin: "That demo user could not sign in.",
  AccessDenied: "Access denied by the identity provider.",
  Configuration: "Sign-in failed: the identity provider rejected the request or is unreachable. Check the server log.",
};

export function SignInPanel(props: {
  oidcName: string | null;
  demoUsers: DemoUser[];
  callbackUrl: string;
  error: string | null;
  signInWithOidc: (f: FormData) => Promise<void>;
  signInAsDemoUser: (f: FormData) => Promise<void>;
}) {
  return (
    <main className="grid min-h-screen place-items-center bg-bg p-6">
      <Card className="w-full max-w-md p-6">
        <div className="mb-6 flex items-center gap-2">
          <span className="grid size-8 place-items-center rounded bg-accent font-semibold text-accent-fg">O</span>
          <div>
            <h1 className="text-lg font-semibold">Sign in to Opsdeck</h1>
            <p className="text-xs text-muted">Deploys, runbooks, service health and audit in one place.</p>
          </div>
        </div>
        {props.error ? (
          <p role="alert" className="mb-4 rounded-md border border-failing/40 bg-failing/10 px-3 py-2 text-sm text-failing">
            {ERRORS[props.error] ?? `Sign-in failed (${props.error}).`}
          </p>
        ) : null}
        {props.oidcName ? (
          <form action={props.signInWithOidc}>
            <input type="hidden" name="callbackUrl" value={props.callbackUrl} />
            <Button variant="primary" type="submit" className="h-10 w-full">
              <KeyRound className="size-4" /> Continue with {props.oidcName}
            </Button>
          </form>
        ) : null}
        {props.demoUsers.length ? (
          <section className={props.oidcName ? "mt-6 border-t border-border pt-5" : ""} aria-labelledby="demo-heading">
            <div className="mb-2 flex items-center gap-2">
              <h2 id="demo-heading" className="text-sm font-semibold">Sign in as a demo user</h2>
              <Badge tone="degraded">demo mode</Badge>
            </div>
            <ul className="flex flex-col gap-1.5">
              {props.demoUsers.map((u) => (
                <li key={u.id}>
                  <form action={props.signInAsDemoUser}>
                    <input type="hidden" name="userId" value={u.id} />
                    <input type="hidden" name="callbackUrl" value={props.callbackUrl} />
                    <button type="submit" className="flex w-full items-center justify-between rounded-md border border-border px-3 py-2 text-left hover:border-accent hover:bg-subtle">
                      <span>
                        <span className="block text-sm font-medium">{u.name}</span>
                        <span className="block text-xs text-muted">{u.isGlobalAdmin ? "global admin · " : ""}{u.teams.join(", ") || "no teams"}</span>
                      </span>
                      <span className="text-xs text-muted">{u.email}</span>
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {!props.oidcName && !props.demoUsers.length ? (
          <p className="text-sm text-muted">No sign-in method is configured. Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.</p>
        ) : null}
      </Card>
    </main>
  );
}
