import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { z } from "zod";
import { env } from "@/server/env";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/audit/append";
import { log } from "@/server/log";
import { OidcAccountConflict, oidcProfileSchema, syncOidcUser } from "./oidc-sync";
import { requestMeta } from "./request-meta";
import { demoAuthSecret } from "./demo-secret";

async function currentRequestMeta() {
  try {
    return requestMeta(await headers(), env().OPSDECK_TRUST_PROXY);
  } catch {
    return { requestId: "", ip: "" };
  }
}

function providers(): NextAuthConfig["providers"] {
  const e = env();
  const list: NextAuthConfig["providers"] = [];
  if (e.oidc) {
    list.push({
      id: "oidc",
      name: e.OIDC_NAME,
      type: "oidc",
      issuer: e.oidc.issuer,
      clientId: e.oidc.clientId,
      clientSecret: e.oidc.clientSecret,
      authorization: { params: { scope: e.OIDC_SCOPES } },
    });
  }
  // The demo picker exists only in demo mode (embedded database, no DATABASE_URL); env() decides, not a flag.
  if (e.demoMode) {
    list.push(
      Credentials({
        id: "demo",
        name: "Demo user",
        credentials: { userId: { label: "User" } },
        async authorize(raw) {
          if (!env().demoMode) return null;
          const { userId } = z.object({ userId: z.string().min(1) }).parse(raw);
          const user = await db().user.findUnique({ where: { id: userId } });
          if (!user) return null;
          const meta = await currentRequestMeta();
          await appendAudit(db(), { actorId: user.id, actorLabel: user.email, ...meta }, { action: "auth.signin", targetType: "user", targetId: user.email, meta: { method: "demo" } });
          await db().user.update({ where: { id: user.id }, data: { lastSignInAt: new Date() } });
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    );
  }
  return list;
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  trustHost: true,
  secret: env().AUTH_SECRET ?? demoAuthSecret(),
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/signin" },
  providers: providers(),
  callbacks: {
    async jwt({ token, account, profile, user }) {
      if (account?.provider === "oidc" && profile) {
        const claims = { ...profile, groups: (profile as Record<string, unknown>)[env().OIDC_GROUPS_CLAIM] };
        const parsed = oidcProfileSchema.safeParse(claims);
        if (!parsed.success) {
          log.warn({ issues: parsed.error.issues }, "OIDC profile rejected");
          throw new Error("The identity provider did not send a usable profile (sub and email are required)");
        }
        const meta = await currentRequestMeta();
        try {
          token.uid = (await syncOidcUser(db(), parsed.data, env().OPSDECK_GROUP_MAP, meta)).id;
        } catch (err) {
          if (err instanceof OidcAccountConflict) {
            await appendAudit(db(), { actorId: null, actorLabel: parsed.data.email, ...meta }, { action: "auth.signin", outcome: "denied", targetType: "user", targetId: parsed.data.email, meta: { reason: err.message, sub: parsed.data.sub } });
          }
          throw err;
        }
      } else if (account?.provider === "demo" && user?.id) {
        token.uid = user.id;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      return session;
    },
  },
  events: {
    async signOut(message) {
      const token = "token" in message ? message.token : null;
      const uid = typeof token?.uid === "string" ? token.uid : null;
      await appendAudit(db(), { actorId: uid, actorLabel: token?.email ?? "anonymous", ...(await currentRequestMeta()) }, { action: "auth.signout", targetType: "user", targetId: token?.email ?? "" });
    },
  },
}));
