import type { Env } from "@/server/env";
import { AwsProvider, AzureProvider, GcpProvider, type CloudProvider } from "@/server/providers/cloud";

/** One provider instance per configured AWS account, GCP project and Azure subscription. */
export function cloudProviders(e: Pick<Env, "OPSDECK_AWS_ACCOUNTS" | "OPSDECK_GCP_PROJECTS" | "OPSDECK_AZURE_SUBSCRIPTIONS">): CloudProvider[] {
  return [
    ...e.OPSDECK_AWS_ACCOUNTS.map((a) => new AwsProvider(a)),
    ...e.OPSDECK_GCP_PROJECTS.map((p) => new GcpProvider(p)),
    ...e.OPSDECK_AZURE_SUBSCRIPTIONS.map((s) => new AzureProvider(s)),
  ];
}

/** The AWS account a resource was listed from (actions need its credentials). */
export function awsProviderFor(e: Pick<Env, "OPSDECK_AWS_ACCOUNTS">, account: string): AwsProvider | null {
  const a = e.OPSDECK_AWS_ACCOUNTS.find((x) => x.name === account);
  return a ? new AwsProvider(a) : null;
}
