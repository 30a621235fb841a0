import { env } from "@/server/env";
import { bindingConfig } from "./bindings";
import { externalProviders, webhookSecret, EXTERNAL_KINDS, type ExternalKind } from "./config";
import type { CiContext } from "./queries";

let cached: CiContext | undefined;

/** The CI configuration of this process (providers hold HTTP clients: built once). */
export function ciContext(): CiContext {
  if (cached) return cached;
  const e = env();
  cached = {
    bindings: bindingConfig(e),
    providers: externalProviders(e),
    webhooks: Object.fromEntries(EXTERNAL_KINDS.map((k) => [k, webhookSecret(e, k) !== null])) as Record<ExternalKind, boolean>,
    demoMode: e.demoMode,
  };
  return cached;
}
