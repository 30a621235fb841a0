// A real OpenID Connect provider (npm oidc-provider) for the e2e tests: a password login form, a groups claim,
// no consent screen for the first-party client. Issuer http://127.0.0.1:$IDP_PORT.
import http from "node:http";
import Provider from "oidc-provider";

const PORT = Number(process.env.IDP_PORT ?? 14400);
const APP = process.env.APP_URL ?? "http://localhost:3000";
export const USERS = {
  root: { password: "root-pw", email: "root@idp.test", name: "Rita Root", groups: ["opsdeck-admins"] },
  eddie: { password: "eddie-pw", email: "eddie@idp.test", name: "Eddie Engineer", groups: ["payments-engineers"] },
  vic: { password: "vic-pw", email: "vic@idp.test", name: "Vic Viewer", groups: ["payments-viewers"] },
};

const provider = new Provider(`http://127.0.0.1:${PORT}`, {
  clients: [{
    client_id: "opsdeck-e2e", client_secret: "opsdeck-e2e-secret", redirect_uris: [`${APP}/api/auth/callback/oidc`],
    post_logout_redirect_uris: [APP], grant_types: ["authorization_code"], response_types: ["code"],
  }],
  scopes: ["openid", "email", "profile", "groups"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  // Auth.js reads the profile from the ID token.
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => USERS[id] && {
    accountId: id,
    claims: () => ({ sub: id, email: USERS[id].email, email_verified: true, name: USERS[id].name, groups: USERS[id].groups }),
  },
  cookies: { keys: ["e2e-cookie-key-not-secret"] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  loadExistingGrant: async (ctx) => {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
});

const body = (req) => new Promise((r) => { let b = ""; req.on("data", (c) => (b += c)); req.on("end", () => r(new URLSearchParams(b))); });
const form = (uid, err = "") => `<!doctype html><title>Test IdP</title><h1>Test IdP sign-in</h1>${err}
<form method="post" action="/interaction/${uid}/login"><label>Username <input name="login" autofocus></label>
<label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>`;
const callback = provider.callback();

http.createServer(async (req, res) => {
  const m = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!m) return callback(req, res);
  res.setHeader("Content-Type", "text/html");
  if (req.method === "GET") return res.end(form(m[1]));
  const p = await body(req);
  const u = USERS[p.get("login")];
  if (!u || u.password !== p.get("password")) {
    res.statusCode = 401;
    return res.end(form(m[1], "<p role=alert>invalid credentials</p>"));
  }
  await provider.interactionFinished(req, res, { login: { accountId: p.get("login") } }, { mergeWithLastSubmission: false });
}).listen(PORT, "127.0.0.1", () => console.log(`test IdP on http://127.0.0.1:${PORT}`));
