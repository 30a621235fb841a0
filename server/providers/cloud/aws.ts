import { AutoScalingClient, paginateDescribeAutoScalingGroups, type AutoScalingGroup } from "@aws-sdk/client-auto-scaling";
import { EC2Client, paginateDescribeInstances, RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand, type Reservation } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient, paginateListFunctions, ListTagsCommand, type FunctionConfiguration } from "@aws-sdk/client-lambda";
import { paginateDescribeDBInstances, RDSClient, type DBInstance } from "@aws-sdk/client-rds";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  S3Client,
  type PublicAccessBlockConfiguration,
} from "@aws-sdk/client-s3";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { CloudActionError, errorText, type CloudProvider, type CloudResourceInfo, type InstanceAction, type Inventory, type InvokeResult, type ResourceFacts, type ScopeResult } from "./types";

export type AwsAccount = { name: string; regions: string[]; roleArn?: string; externalId?: string; endpoint?: string };
export type AwsOptions = {
  /** Explicit credentials (tests, S3-compatible storage); default: the standard provider chain (or the assumed role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
};

const tagsOf = (list: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ""]));
const power = (state: string | undefined): ResourceFacts["power"] =>
  state === "running" || state === "available" ? "running" : state === "stopped" || state === "stopping" ? "stopped" : state === "terminated" || state === "shutting-down" || state === "deleting" ? "terminated" : state === "pending" || state === "starting" ? "pending" : "other";

export function mapEc2(account: string, region: string, reservations: Reservation[]): CloudResourceInfo[] {
  return reservations.flatMap((res) =>
    (res.Instances ?? []).map((i) => {
      const tags = tagsOf(i.Tags);
      const state = i.State?.Name ?? "unknown";
      return {
        provider: "aws" as const,
        account,
        region,
        type: "ec2.instance" as const,
        resourceId: `arn:aws:ec2:${region}:${res.OwnerId ?? account}:instance/${i.InstanceId}`,
        name: tags.Name || i.InstanceId!,
        state,
        tags,
        facts: { power: power(state), publiclyAccessible: Boolean(i.PublicIpAddress) },
        details: { instanceId: i.InstanceId ?? null, instanceType: i.InstanceType ?? null, zone: i.Placement?.AvailabilityZone ?? null, privateIp: i.PrivateIpAddress ?? null, publicIp: i.PublicIpAddress ?? null, launchTime: i.LaunchTime ? new Date(i.LaunchTime).toISOString() : null, volumes: i.BlockDeviceMappings?.length ?? 0 },
      };
    }),
  );
}

export function mapAsgs(account: string, region: string, groups: AutoScalingGroup[]): CloudResourceInfo[] {
  return groups.map((g) => {
    const tags = tagsOf(g.Tags);
    const inService = (g.Instances ?? []).filter((i) => i.LifecycleState === "InService").length;
    return {
      provider: "aws",
      account,
      region,
      type: "autoscaling.group",
      resourceId: g.AutoScalingGroupARN ?? `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${g.AutoScalingGroupName}`,
      name: g.AutoScalingGroupName!,
      state: g.Status ?? `${inService}/${g.DesiredCapacity ?? 0} in service`,
      tags,
      facts: {},
      details: { min: g.MinSize ?? null, max: g.MaxSize ?? null, desired: g.DesiredCapacity ?? null, inService, launchTemplate: g.LaunchTemplate?.LaunchTemplateName ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateName ?? null },
    };
  });
}

export function mapLambdas(account: string, region: string, fns: (FunctionConfiguration & { Tags?: Record<string, string> })[]): CloudResourceInfo[] {
  return fns.map((f) => ({
    provider: "aws",
    account,
    region,
    type: "lambda.function",
    resourceId: f.FunctionArn!,
    name: f.FunctionName!,
    state: f.State ?? "Active",
    tags: f.Tags ?? {},
    facts: {},
    details: { runtime: f.Runtime ?? null, memoryMb: f.MemorySize ?? null, timeoutS: f.Timeout ?? null, lastModified: f.LastModified ?? null, handler: f.Handler ?? null },
  }));
}

export function mapRds(account: string, region: string, dbs: DBInstance[]): CloudResourceInfo[] {
  return dbs.map((d) => ({
    provider: "aws",
    account,
    region,
    type: "rds.instance",
    resourceId: d.DBInstanceArn!,
    name: d.DBInstanceIdentifier!,
    state: d.DBInstanceStatus ?? "unknown",
    tags: tagsOf(d.TagList),
    facts: { power: power(d.DBInstanceStatus), encrypted: d.StorageEncrypted ?? false, publiclyAccessible: d.PubliclyAccessible ?? false },
    details: { engine: d.Engine ?? null, engineVersion: d.EngineVersion ?? null, class: d.DBInstanceClass ?? null, storageGb: d.AllocatedStorage ?? null, multiAz: d.MultiAZ ?? null },
  }));
}

/** `undefined`: the endpoint could not say (unknown); `null`: not configured. */
export type BucketFacts = { name: string; region: string; created: Date | null; publicAccessBlock: PublicAccessBlockConfiguration | null | undefined; encryption: string | null | undefined; tags: Record<string, string> };
export function mapBucket(account: string, b: BucketFacts): CloudResourceInfo {
  const pab = b.publicAccessBlock;
  const blocked = Boolean(pab?.BlockPublicAcls && pab.IgnorePublicAcls && pab.BlockPublicPolicy && pab.RestrictPublicBuckets);
  return {
    provider: "aws",
    account,
    region: b.region,
    type: "s3.bucket",
    resourceId: `arn:aws:s3:::${b.name}`,
    name: b.name,
    state: "available",
    tags: b.tags,
    facts: { publicAccessBlocked: pab === undefined ? undefined : blocked, encrypted: b.encryption === undefined ? undefined : b.encryption !== null },
    details: {
      encryption: b.encryption === undefined ? "unknown" : (b.encryption ?? "none"),
      publicAccessBlock: pab === undefined ? "unknown" : pab ? ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"].filter((k) => pab[k as keyof PublicAccessBlockConfiguration]).join(", ") || "none on" : "not configured",
      created: b.created?.toISOString() ?? null,
    },
  };
}

/** An S3 error that means "not configured", as opposed to a failure. */
const absent = (err: unknown, ...names: string[]) => names.includes((err as { name?: string }).name ?? "") || names.includes((err as { Code?: string }).Code ?? "");

export class AwsProvider implements CloudProvider {
  readonly kind = "aws" as const;
  readonly label = "AWS";
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;

  constructor(private readonly account: AwsAccount, private readonly opts: AwsOptions = {}) {
    this.credentials =
      opts.credentials ??
      (account.roleArn ? fromTemporaryCredentials({ params: { RoleArn: account.roleArn, ExternalId: account.externalId, RoleSessionName: "opsdeck-inventory", DurationSeconds: 900 } }) : undefined);
  }

  private cfg(region: string) {
    return { region, ...(this.credentials ? { credentials: this.credentials } : {}), maxAttempts: 4 };
  }

  s3(region: string) {
    const c = this.cfg(region);
    return new S3Client(this.account.endpoint ? { ...c, endpoint: this.account.endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : c);
  }

  async inventory(): Promise<Inventory> {
    const resources: CloudResourceInfo[] = [];
    const scopes: ScopeResult[] = [];
    const scope = async (region: string, fn: () => Promise<CloudResourceInfo[]>) => {
      try {
        const found = await fn();
        resources.push(...found);
        scopes.push({ account: this.account.name, region, ok: true, message: "", count: found.length });
      } catch (err) {
        scopes.push({ account: this.account.name, region, ok: false, message: errorText(err), count: 0 });
      }
    };
    for (const region of this.account.regions) await scope(region, () => this.regional(region));
    // Buckets are global: listed once, each placed in its own region.
    await scope("global", () => this.buckets(this.account.regions[0]!));
    return { resources, scopes };
  }

  private async regional(region: string): Promise<CloudResourceInfo[]> {
    const ec2 = new EC2Client(this.cfg(region));
    const asg = new AutoScalingClient(this.cfg(region));
    const lambda = new LambdaClient(this.cfg(region));
    const rds = new RDSClient(this.cfg(region));
    const out: CloudResourceInfo[] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 500 }, {})) out.push(...mapEc2(this.account.name, region, page.Reservations ?? []));
    for await (const page of paginateDescribeAutoScalingGroups({ client: asg, pageSize: 100 }, {})) out.push(...mapAsgs(this.account.name, region, page.AutoScalingGroups ?? []));
    const fns: (FunctionConfiguration & { Tags?: Record<string, string> })[] = [];
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 50 }, {})) fns.push(...(page.Functions ?? []));
    // ListFunctions carries no tags: one ListTags per function (what the service link needs).
    for (const f of fns) f.Tags = (await lambda.send(new ListTagsCommand({ Resource: f.FunctionArn! }))).Tags ?? {};
    out.push(...mapLambdas(this.account.name, region, fns));
    for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 100 }, {})) out.push(...mapRds(this.account.name, region, page.DBInstances ?? []));
    return out;
  }

  private async buckets(homeRegion: string): Promise<CloudResourceInfo[]> {
    const s3 = this.s3(homeRegion);
    const list = await s3.send(new ListBucketsCommand({}));
    const out: CloudResourceInfo[] = [];
    for (const b of list.Buckets ?? []) {
      const Bucket = b.Name!;
      const loc = await s3.send(new GetBucketLocationCommand({ Bucket })).catch(() => null);
      // LocationConstraint is empty for us-east-1 (and on S3-compatible servers).
      const region = loc?.LocationConstraint || (this.account.endpoint ? homeRegion : "us-east-1");
      // Not configured (NoSuch…) is a fact that counts; an endpoint that does not implement the call (S3-compatible
      // servers) leaves the fact unknown, which flags nothing.
      const ask = <T>(p: Promise<T>, notConfigured: string, none: T) =>
        p.catch((err: unknown): Promise<T | undefined> | T | undefined => (absent(err, notConfigured) ? none : absent(err, "NotImplemented") ? undefined : Promise.reject(err)));
      const pab = await ask(s3.send(new GetPublicAccessBlockCommand({ Bucket })).then((r) => r.PublicAccessBlockConfiguration ?? null), "NoSuchPublicAccessBlockConfiguration", null as PublicAccessBlockConfiguration | null);
      const enc = await ask(
        s3.send(new GetBucketEncryptionCommand({ Bucket })).then((r) => r.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null),
        "ServerSideEncryptionConfigurationNotFoundError",
        null as string | null,
      );
      const tags = (await ask(s3.send(new GetBucketTaggingCommand({ Bucket })).then((r) => tagsOf(r.TagSet)), "NoSuchTagSet", {} as Record<string, string>)) ?? {};
      out.push(mapBucket(this.account.name, { name: Bucket, region, created: b.CreationDate ?? null, publicAccessBlock: pab, encryption: enc, tags }));
    }
    return out;
  }

  async instanceAction(r: { region: string; resourceId: string; name?: string }, action: InstanceAction): Promise<{ state: string }> {
    const id = r.resourceId.split("/").pop()!;
    if (!/^i-[0-9a-f]+$/.test(id)) throw new CloudActionError(`${r.resourceId} is not an EC2 instance`);
    const ec2 = new EC2Client(this.cfg(r.region));
    try {
      if (action === "start") return { state: (await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }))).StartingInstances?.[0]?.CurrentState?.Name ?? "pending" };
      if (action === "stop") return { state: (await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }))).StoppingInstances?.[0]?.CurrentState?.Name ?? "stopping" };
      await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      return { state: "rebooting" };
    } catch (err) {
      throw new CloudActionError(`AWS refused to ${action} ${id}: ${errorText(err)}`);
    }
  }

  async invokeFunction(r: { region: string; resourceId: string; name?: string }, payload: unknown): Promise<InvokeResult> {
    const lambda = new LambdaClient(this.cfg(r.region));
    try {
      const out = await lambda.send(new InvokeCommand({ FunctionName: r.resourceId, InvocationType: "RequestResponse", LogType: "Tail", Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
      return {
        statusCode: out.StatusCode ?? 0,
        functionError: out.FunctionError ?? null,
        payload: out.Payload ? new TextDecoder().decode(out.Payload) : "",
        logTail: out.LogResult ? Buffer.from(out.LogResult, "base64").toString("utf8") : null,
      };
    } catch (err) {
      throw new CloudActionError(`AWS refused to invoke ${r.resourceId}: ${errorText(err)}`);
    }
  }
}
