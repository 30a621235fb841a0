import { ComputeManagementClient } from "@azure/arm-compute";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { errorText, type CloudProvider, type CloudResourceInfo, type Inventory, type ResourceFacts } from "./types";

export type AzureSubscription = { subscriptionId: string; storageAccounts: string[] };
export type AzureOptions = {
  credential?: TokenCredential;
  /** Test hooks: where the ARM and blob endpoints live. */
  armEndpoint?: string;
  blobEndpoint?: (account: string) => string;
};

type AzureVm = { id?: string; name?: string; location?: string; tags?: Record<string, string>; hardwareProfile?: { vmSize?: string }; properties?: { instanceView?: { statuses?: { code?: string }[] }; hardwareProfile?: { vmSize?: string }; storageProfile?: { osDisk?: { osType?: string } } }; instanceView?: { statuses?: { code?: string }[] }; provisioningState?: string; storageProfile?: { osDisk?: { osType?: string } } };

/** "PowerState/running" etc. A VM "stopped" (not deallocated) is still billed for compute. */
export function azurePowerState(vm: AzureVm): string {
  const statuses = vm.instanceView?.statuses ?? vm.properties?.instanceView?.statuses ?? [];
  return statuses.find((s) => s.code?.startsWith("PowerState/"))?.code?.slice("PowerState/".length) ?? "unknown";
}
const azPower = (s: string): ResourceFacts["power"] => (s === "running" ? "running" : s === "stopped" ? "stopped" : s === "deallocated" ? "deallocated" : s === "starting" ? "pending" : "other");

export function mapAzureVm(subscription: string, vm: AzureVm): CloudResourceInfo {
  const state = azurePowerState(vm);
  return {
    provider: "azure",
    account: subscription,
    region: vm.location ?? "",
    type: "azure.vm",
    resourceId: vm.id ?? `/subscriptions/${subscription}/virtualMachines/${vm.name}`,
    name: vm.name ?? "",
    state,
    tags: vm.tags ?? {},
    facts: { power: azPower(state) },
    // The SDK flattens `properties`; recorded REST JSON keeps it.
    details: { size: (vm.hardwareProfile ?? vm.properties?.hardwareProfile)?.vmSize ?? null, os: (vm.storageProfile ?? vm.properties?.storageProfile)?.osDisk?.osType ?? null, resourceGroup: vm.id?.split("/")[4] ?? null },
  };
}

type AzureContainer = { name: string; properties: { publicAccess?: string; lastModified?: Date | string; hasImmutabilityPolicy?: boolean; defaultEncryptionScope?: string }; metadata?: Record<string, string> };
export function mapAzureContainer(subscription: string, account: string, c: AzureContainer): CloudResourceInfo {
  const access = c.properties.publicAccess ?? "none";
  return {
    provider: "azure",
    account: subscription,
    region: account,
    type: "azure.container",
    resourceId: `https://${account}.blob.core.windows.net/${c.name}`,
    name: `${account}/${c.name}`,
    state: "available",
    tags: c.metadata ?? {},
    // Azure Storage encrypts all data at rest (service-side encryption cannot be turned off).
    facts: { publicAccess: access !== "none", encrypted: true },
    details: { publicAccess: access, encryptionScope: c.properties.defaultEncryptionScope ?? null, lastModified: c.properties.lastModified ? new Date(c.properties.lastModified).toISOString() : null },
  };
}

/** Azure, read-only: VMs of each subscription (with power state) and blob containers of the named storage accounts. */
export class AzureProvider implements CloudProvider {
  readonly kind = "azure" as const;
  readonly label = "Azure";
  private readonly credential: TokenCredential;

  constructor(private readonly sub: AzureSubscription, private readonly opts: AzureOptions = {}) {
    this.credential = opts.credential ?? new DefaultAzureCredential();
  }

  async inventory(): Promise<Inventory> {
    const s = this.sub.subscriptionId;
    const resources: CloudResourceInfo[] = [];
    const scopes: Inventory["scopes"] = [];
    try {
      const client = new ComputeManagementClient(this.credential, s, this.opts.armEndpoint ? { endpoint: this.opts.armEndpoint } : {});
      const found: CloudResourceInfo[] = [];
      for await (const vm of client.virtualMachines.listAll({ statusOnly: "true" })) found.push(mapAzureVm(s, vm as AzureVm));
      resources.push(...found);
      scopes.push({ account: s, region: "virtualMachines", ok: true, message: "", count: found.length });
    } catch (err) {
      scopes.push({ account: s, region: "virtualMachines", ok: false, message: errorText(err), count: 0 });
    }
    for (const account of this.sub.storageAccounts) {
      try {
        const url = this.opts.blobEndpoint?.(account) ?? `https://${account}.blob.core.windows.net`;
        const svc = new BlobServiceClient(url, this.credential);
        const found: CloudResourceInfo[] = [];
        for await (const c of svc.listContainers({ includeMetadata: true })) found.push(mapAzureContainer(s, account, c as AzureContainer));
        resources.push(...found);
        scopes.push({ account: s, region: `storage:${account}`, ok: true, message: "", count: found.length });
      } catch (err) {
        scopes.push({ account: s, region: `storage:${account}`, ok: false, message: errorText(err), count: 0 });
      }
    }
    return { resources, scopes };
  }
}
