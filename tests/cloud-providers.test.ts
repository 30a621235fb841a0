import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, EC2Client, RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { InvokeCommand, LambdaClient, ListFunctionsCommand, ListTagsCommand } from "@aws-sdk/client-lambda";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { CreateBucketCommand, GetBucketEncryptionCommand, GetBucketLocationCommand, GetBucketTaggingCommand, GetPublicAccessBlockCommand, ListBucketsCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { googleAuthLibrary } from "google-gax";
import { OAuth2Client as StorageOAuth2Client } from "google-auth-library";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import S3rver from "s3rver";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsProvider, AzureProvider, GcpProvider, type CloudResourceInfo } from "@/server/providers/cloud";
import { risksOf } from "@/server/cloud/risks";

/**
 * Cloud providers with their real SDKs. S3: a REAL local S3 server (s3rver) started here. EC2, Auto Scaling, Lambda
 * and RDS: aws-sdk-client-mock answering with RECORDED FIXTURES of the SDK outputs. Google Cloud and Azure: their
 * client libraries against RECORDED HTTP responses (msw). No real AWS, Google Cloud or Azure is reachable here.
 */

const fx = (rel: string) => import(`../demo/recorded/cloud/${rel}`, { with: { type: "json" } }).then((m: { default: Record<string, unknown> }) => m.default);
const byType = (rs: CloudResourceInfo[], type: string) => rs.filter((r) => r.type === type);

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const lambda = mockClient(LambdaClient);
const rds = mockClient(RDSClient);

async function recordedRegion() {
  const instances = (await fx("aws/describe-instances.json")) as { Reservations: unknown[] };
  // Two pages, the way DescribeInstances paginates with NextToken.
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: instances.Reservations.slice(0, 1) as never, NextToken: "page-2" });
  ec2.on(DescribeInstancesCommand, { NextToken: "page-2" }).resolves({ Reservations: instances.Reservations.slice(1) as never });
  asg.on(DescribeAutoScalingGroupsCommand).resolves((await fx("aws/describe-auto-scaling-groups.json")) as never);
  const fns = (await fx("aws/list-functions.json")) as { Functions: { FunctionArn: string; FunctionName: string }[] };
  lambda.on(ListFunctionsCommand).resolves(fns as never);
  const tags = (await fx("aws/function-tags.json")) as Record<string, Record<string, string>>;
  for (const f of fns.Functions) lambda.on(ListTagsCommand, { Resource: f.FunctionArn }).resolves({ Tags: tags[f.FunctionName] });
  rds.on(DescribeDBInstancesCommand).resolves((await fx("aws/describe-db-instances.json")) as never);
}

afterEach(() => {
  ec2.reset();
  asg.reset();
  lambda.reset();
  rds.reset();
});

describe("AWS (S3 against a real s3rver; EC2/ASG/Lambda/RDS with aws-sdk-client-mock and recorded fixtures)", () => {
  let s3server: S3rver;
  let endpoint = "";
  let dir = "";
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "opsdeck-s3rver-"));
    s3server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir });
    const addr = (await s3server.run()) as { address: string; port: number };
    endpoint = `http://${addr.address}:${addr.port}`;
    const s3 = new S3Client({ region: "eu-west-1", endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", credentials });
    for (const Bucket of ["example-payments-invoices", "example-web-assets"]) await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await s3server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists buckets from the real S3 server, and EC2 (both pages), ASGs, Lambdas with tags and RDS from recorded outputs", async () => {
    await recordedRegion();
    const p = new AwsProvider({ name: "prod", regions: ["eu-west-1"], endpoint }, { credentials });
    const inv = await p.inventory();
    expect(inv.scopes).toEqual([
      { account: "prod", region: "eu-west-1", ok: true, message: "", count: 11 },
      { account: "prod", region: "global", ok: true, message: "", count: 2 },
    ]);
    const buckets = byType(inv.resources, "s3.bucket");
    expect(buckets.map((b) => [b.name, b.resourceId, b.region])).toEqual([
      ["example-payments-invoices", "arn:aws:s3:::example-payments-invoices", "eu-west-1"],
      ["example-web-assets", "arn:aws:s3:::example-web-assets", "eu-west-1"],
    ]);
    // s3rver does not implement public-access-block/encryption/tagging: those facts stay unknown and flag nothing.
    expect(buckets[0]!.details).toMatchObject({ encryption: "unknown", publicAccessBlock: "unknown" });
    expect(risksOf(buckets[0]!)).toEqual([]);

    const ec2s = byType(inv.resources, "ec2.instance");
    expect(ec2s).toHaveLength(6);
    expect(ec2s.find((i) => i.name === "legacy-batch")).toMatchObject({ state: "stopped", resourceId: "arn:aws:ec2:eu-west-1:210987654321:instance/i-0c3d4e5f607182930", tags: { "opsdeck.dev/service": "events-warehouse" } });
    expect(byType(inv.resources, "autoscaling.group")[0]).toMatchObject({ name: "payments-api-asg", details: { min: 2, max: 6, desired: 2, inService: 2 } });
    expect(byType(inv.resources, "lambda.function").map((f) => [f.name, f.tags["opsdeck.dev/service"] ?? null])).toEqual([["refunds-reconciler", "refunds-service"], ["thumbnailer", null]]);
    const dbs = byType(inv.resources, "rds.instance");
    expect(dbs.map((d) => [d.name, risksOf(d)])).toEqual([["payments-db-primary", []], ["analytics-scratch", ["unencrypted", "stopped-costing", "publicly-accessible"]]]);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it("a region that refuses (AuthFailure) is reported; the other regions and S3 still answer", async () => {
    await recordedRegion();
    const denied = Object.assign(new Error("AWS was not able to validate the provided access credentials"), { name: "AuthFailure" });
    ec2.on(DescribeInstancesCommand).callsFake((_input, getClient) => {
      return (getClient() as EC2Client).config.region().then((r: string) => {
        if (r === "us-east-1") throw denied;
        return { Reservations: [] };
      });
    });
    const p = new AwsProvider({ name: "prod", regions: ["eu-west-1", "us-east-1"], endpoint }, { credentials });
    const inv = await p.inventory();
    expect(inv.scopes.map((s) => [s.region, s.ok, s.message])).toEqual([
      ["eu-west-1", true, ""],
      ["us-east-1", false, "AuthFailure: AWS was not able to validate the provided access credentials"],
      ["global", true, ""],
    ]);
  });

  it("reads public-access block and default encryption, and treats 'not configured' as a risk (recorded S3 errors)", async () => {
    const s3 = mockClient(S3Client);
    try {
      const notFound = (name: string) => new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: 404 }, message: name });
      s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "locked", CreationDate: new Date("2025-01-01") }, { Name: "open", CreationDate: new Date("2024-01-01") }] });
      s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-central-1" });
      s3.on(GetPublicAccessBlockCommand, { Bucket: "locked" }).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
      s3.on(GetPublicAccessBlockCommand, { Bucket: "open" }).rejects(notFound("NoSuchPublicAccessBlockConfiguration"));
      s3.on(GetBucketEncryptionCommand, { Bucket: "locked" }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }] } });
      s3.on(GetBucketEncryptionCommand, { Bucket: "open" }).rejects(notFound("ServerSideEncryptionConfigurationNotFoundError"));
      s3.on(GetBucketTaggingCommand, { Bucket: "locked" }).resolves({ TagSet: [{ Key: "opsdeck.dev/service", Value: "payments-api" }] });
      s3.on(GetBucketTaggingCommand, { Bucket: "open" }).rejects(notFound("NoSuchTagSet"));
      await recordedRegion();
      const inv = await new AwsProvider({ name: "prod", regions: ["eu-west-1"] }, { credentials }).inventory();
      const [locked, open] = byType(inv.resources, "s3.bucket");
      expect(locked).toMatchObject({ region: "eu-central-1", tags: { "opsdeck.dev/service": "payments-api" }, details: { encryption: "aws:kms", publicAccessBlock: "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets" } });
      expect(risksOf(locked!)).toEqual([]);
      expect(open!.details).toMatchObject({ encryption: "none", publicAccessBlock: "not configured" });
      expect(risksOf(open!)).toEqual(["public-bucket", "unencrypted"]);
    } finally {
      s3.restore();
    }
  });

  it("starts, stops and reboots an instance, and invokes a Lambda with a JSON payload", async () => {
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: "i-0c3d4e5f607182930", CurrentState: { Code: 0, Name: "pending" }, PreviousState: { Code: 80, Name: "stopped" } }] });
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: "i-0c3d4e5f607182930", CurrentState: { Code: 64, Name: "stopping" }, PreviousState: { Code: 16, Name: "running" } }] });
    ec2.on(RebootInstancesCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, ExecutedVersion: "$LATEST", Payload: new TextEncoder().encode('{"matched":42}') as never, LogResult: Buffer.from("START RequestId: 1\nEND RequestId: 1\n").toString("base64") });
    const p = new AwsProvider({ name: "prod", regions: ["eu-west-1"] }, { credentials });
    const inst = { region: "eu-west-1", resourceId: "arn:aws:ec2:eu-west-1:210987654321:instance/i-0c3d4e5f607182930", name: "legacy-batch" };
    expect(await p.instanceAction(inst, "start")).toEqual({ state: "pending" });
    expect(await p.instanceAction(inst, "stop")).toEqual({ state: "stopping" });
    expect(await p.instanceAction(inst, "reboot")).toEqual({ state: "rebooting" });
    expect(ec2.commandCalls(StopInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: ["i-0c3d4e5f607182930"] });
    const out = await p.invokeFunction({ region: "eu-west-1", resourceId: "arn:aws:lambda:eu-west-1:210987654321:function:refunds-reconciler", name: "refunds-reconciler" }, { dryRun: true });
    expect(out).toEqual({ statusCode: 200, functionError: null, payload: '{"matched":42}', logTail: "START RequestId: 1\nEND RequestId: 1\n" });
    const sent = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(new TextDecoder().decode(sent.Payload as Uint8Array)).toBe('{"dryRun":true}');
    expect(sent).toMatchObject({ InvocationType: "RequestResponse", LogType: "Tail" });
    ec2.on(StopInstancesCommand).rejects(Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }));
    await expect(p.instanceAction(inst, "stop")).rejects.toThrow("AWS refused to stop i-0c3d4e5f607182930: UnauthorizedOperation: You are not authorized to perform this operation.");
  });
});

describe("Google Cloud and Azure (client libraries against recorded HTTP responses, msw)", () => {
  const seen: string[] = [];
  const server = setupServer(
    http.get("https://compute.googleapis.com/compute/v1/projects/:project/aggregated/instances", async ({ request, params }) => {
      seen.push(`gce ${request.headers.get("authorization")}`);
      if (params.project !== "shop-prod-4411") return HttpResponse.json({ error: { code: 403, message: `Required 'compute.instances.list' permission for 'projects/${String(params.project)}'`, status: "PERMISSION_DENIED" } }, { status: 403 });
      return HttpResponse.json(await fx("gcp/aggregated-instances.json"));
    }),
    http.get("https://storage.googleapis.com/storage/v1/b", async ({ request }) => {
      seen.push(`gcs ${request.headers.get("authorization")}`);
      return HttpResponse.json(await fx("gcp/buckets.json"));
    }),
    http.get("https://management.azure.com/subscriptions/:sub/providers/Microsoft.Compute/virtualMachines", async ({ request }) => {
      const url = new URL(request.url);
      seen.push(`arm ${request.headers.get("authorization")} statusOnly=${url.searchParams.get("statusOnly")} api-version=${url.searchParams.get("api-version") ? "yes" : "no"}`);
      return HttpResponse.json(await fx("azure/virtual-machines.json"));
    }),
    http.get("https://shopmobileassets.blob.core.windows.net/", async ({ request }) => {
      seen.push(`blob ${request.headers.get("authorization")} ${new URL(request.url).search}`);
      const { readFile } = await import("node:fs/promises");
      return new HttpResponse(await readFile(path.join(import.meta.dirname, "../demo/recorded/cloud/azure/containers.xml"), "utf8"), { headers: { "content-type": "application/xml", "x-ms-version": "2025-01-05" } });
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterAll(() => server.close());

  const gcpAuth = () => {
    const compute = new googleAuthLibrary.OAuth2Client();
    compute.setCredentials({ access_token: "ya29.recorded", expiry_date: Date.now() + 3600_000 });
    const storage = new StorageOAuth2Client();
    storage.setCredentials({ access_token: "ya29.recorded", expiry_date: Date.now() + 3600_000 });
    return { computeOptions: { authClient: compute }, storageOptions: { authClient: storage } };
  };

  it("GCP: instances of every zone (TERMINATED = stopped, still billed) and buckets (public access prevention)", async () => {
    const inv = await new GcpProvider({ projectId: "shop-prod-4411" }, gcpAuth()).inventory();
    expect(inv.scopes.every((s) => s.ok)).toBe(true);
    const vms = byType(inv.resources, "gce.instance");
    expect(vms.map((v) => [v.name, v.region, v.state, risksOf(v)])).toEqual([
      ["search-indexer-1", "europe-west1-b", "RUNNING", []],
      ["search-api-1", "europe-west1-b", "RUNNING", []],
      ["reindex-batch", "europe-west1-c", "TERMINATED", ["stopped-costing"]],
    ]);
    expect(vms[0]!.tags).toEqual({ "opsdeck-service": "search-indexer" });
    const buckets = byType(inv.resources, "gcs.bucket");
    expect(buckets.map((b) => [b.name, risksOf(b)])).toEqual([["shop-search-snapshots", []], ["shop-public-catalog-feed", ["public-bucket"]]]);
    expect(seen).toContain("gce Bearer ya29.recorded");
    expect(seen).toContain("gcs Bearer ya29.recorded");
  });

  it("GCP: a permission error is reported for that scope", async () => {
    const inv = await new GcpProvider({ projectId: "other-project-1" }, gcpAuth()).inventory();
    expect(inv.scopes.find((s) => s.region === "compute")).toMatchObject({ ok: false });
    expect(inv.scopes.find((s) => s.region === "compute")!.message).toMatch(/compute\.instances\.list/);
  });

  it("Azure: VMs with power state (stopped still billed, deallocated not) and containers (public access)", async () => {
    const credential = { getToken: async () => ({ token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.recorded", expiresOnTimestamp: Date.now() + 3600_000 }) };
    const inv = await new AzureProvider({ subscriptionId: "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f", storageAccounts: ["shopmobileassets"] }, { credential }).inventory();
    expect(inv.scopes.map((s) => [s.region, s.ok, s.message])).toEqual([["virtualMachines", true, ""], ["storage:shopmobileassets", true, ""]]);
    expect(byType(inv.resources, "azure.vm").map((v) => [v.name, v.state, v.details.size, v.details.resourceGroup, risksOf(v)])).toEqual([
      ["mobile-bff-vm1", "running", "Standard_D2s_v5", "mobile-rg", []],
      ["mobile-bff-vm2", "stopped", "Standard_D2s_v5", "mobile-rg", ["stopped-costing"]],
      ["sso-legacy", "deallocated", "Standard_B2s", "identity-rg", []],
    ]);
    expect(byType(inv.resources, "azure.container").map((c) => [c.name, c.tags, risksOf(c)])).toEqual([
      ["shopmobileassets/app-builds", { opsdeck_service: "mobile-bff" }, []],
      ["shopmobileassets/public-images", { opsdeck_service: "mobile-app-ios" }, ["public-bucket"]],
    ]);
    expect(seen.find((s) => s.startsWith("arm"))).toBe("arm Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.recorded statusOnly=true api-version=yes");
    expect(seen.find((s) => s.startsWith("blob"))).toMatch(/^blob Bearer eyJ.*comp=list/);
  });
});
