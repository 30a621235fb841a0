import { readFile } from "node:fs/promises";
import path from "node:path";
import { mapAsgs, mapAzureContainer, mapAzureVm, mapBucket, mapEc2, mapGceInstance, mapGcsBucket, mapLambdas, mapRds, type CloudProvider, type CloudProviderKind, type CloudResourceInfo, type Inventory } from "@/server/providers/cloud";

/**
 * Demo mode: the inventory comes from RECORDED API responses (demo/recorded/cloud — the same files the provider tests
 * serve), mapped by the providers' own mapping functions, so the inventory page shows real shapes, labelled demo.
 */
export const DEMO_CLOUD_DIR = path.resolve(process.cwd(), "demo/recorded/cloud");
const json = async <T>(rel: string): Promise<T> => JSON.parse(await readFile(path.join(DEMO_CLOUD_DIR, rel), "utf8")) as T;

export const DEMO_AWS_ACCOUNT = "demo-prod";
export const DEMO_GCP_PROJECT = "shop-prod-4411";
export const DEMO_AZURE_SUBSCRIPTION = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

class RecordedProvider implements CloudProvider {
  readonly label: string;
  constructor(readonly kind: CloudProviderKind, private readonly load: () => Promise<Inventory>) {
    this.label = `${kind.toUpperCase()} (recorded demo data)`;
  }
  inventory() {
    return this.load();
  }
}

const scope = (account: string, region: string, resources: CloudResourceInfo[]) => ({ account, region, ok: true, message: "", count: resources.length });

export function demoCloudProviders(): CloudProvider[] {
  return [
    new RecordedProvider("aws", async () => {
      const a = DEMO_AWS_ACCOUNT;
      const fnTags = await json<Record<string, Record<string, string>>>("aws/function-tags.json");
      const regional = [
        ...mapEc2(a, "eu-west-1", (await json<{ Reservations: Parameters<typeof mapEc2>[2] }>("aws/describe-instances.json")).Reservations),
        ...mapAsgs(a, "eu-west-1", (await json<{ AutoScalingGroups: Parameters<typeof mapAsgs>[2] }>("aws/describe-auto-scaling-groups.json")).AutoScalingGroups),
        ...mapLambdas(a, "eu-west-1", (await json<{ Functions: Parameters<typeof mapLambdas>[2] }>("aws/list-functions.json")).Functions.map((f) => ({ ...f, Tags: fnTags[f.FunctionName!] ?? {} }))),
        ...mapRds(a, "eu-west-1", (await json<{ DBInstances: Parameters<typeof mapRds>[2] }>("aws/describe-db-instances.json")).DBInstances),
      ];
      const buckets = (await json<{ name: string; region: string; created: string; publicAccessBlock: never; encryption: string | null; tags: Record<string, string> }[]>("aws/buckets.json")).map((b) => mapBucket(a, { ...b, created: new Date(b.created) }));
      return { resources: [...regional, ...buckets], scopes: [scope(a, "eu-west-1", regional), scope(a, "global", buckets)] };
    }),
    new RecordedProvider("gcp", async () => {
      const p = DEMO_GCP_PROJECT;
      const agg = await json<{ items: Record<string, { instances?: Parameters<typeof mapGceInstance>[1][] }> }>("gcp/aggregated-instances.json");
      const instances = Object.values(agg.items).flatMap((z) => z.instances ?? []).map((i) => mapGceInstance(p, i));
      const buckets = (await json<{ items: Parameters<typeof mapGcsBucket>[1][] }>("gcp/buckets.json")).items.map((b) => mapGcsBucket(p, b));
      return { resources: [...instances, ...buckets], scopes: [scope(p, "compute", instances), scope(p, "storage", buckets)] };
    }),
    new RecordedProvider("azure", async () => {
      const s = DEMO_AZURE_SUBSCRIPTION;
      const vms = (await json<{ value: Parameters<typeof mapAzureVm>[1][] }>("azure/virtual-machines.json")).value.map((v) => mapAzureVm(s, v));
      const containers = (await json<Parameters<typeof mapAzureContainer>[2][]>("azure/containers.json")).map((c) => mapAzureContainer(s, "shopmobileassets", c));
      return { resources: [...vms, ...containers], scopes: [scope(s, "virtualMachines", vms), scope(s, "storage:shopmobileassets", containers)] };
    }),
  ];
}
