import { z } from "zod";

// Configuration shapes of the cloud inventory (parsed in server/env.ts; documented in docs/ci-cloud.md and README).

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region like "eu-west-1"');

/** AWS accounts: credentials from the standard provider chain, optionally assuming a role per account. */
export const awsAccountsSetting = z.array(
  z
    .object({
      name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a short account name"),
      regions: z.array(region).min(1),
      roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "an IAM role ARN").optional(),
      externalId: z.string().optional(),
      /** A non-AWS endpoint (S3-compatible storage, tests). */
      endpoint: z.url().optional(),
    })
    .strict(),
);
export type AwsAccountSetting = z.output<typeof awsAccountsSetting>[number];

/** GCP projects: Application Default Credentials. */
export const gcpProjectsSetting = z.array(z.object({ projectId: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id"), keyFile: z.string().optional() }).strict());

/** Azure subscriptions: DefaultAzureCredential; containers are listed for the named storage accounts. */
export const azureSubscriptionsSetting = z.array(
  z
    .object({
      subscriptionId: z.uuid(),
      storageAccounts: z.array(z.string().regex(/^[a-z0-9]{3,24}$/, "a storage account name")).default([]),
    })
    .strict(),
);
