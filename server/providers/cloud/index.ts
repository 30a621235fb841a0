export * from "./types";
export { AwsProvider, mapEc2, mapAsgs, mapLambdas, mapRds, mapBucket, type AwsAccount, type AwsOptions, type BucketFacts } from "./aws";
export { GcpProvider, mapGceInstance, mapGcsBucket, type GcpProject, type GcpOptions } from "./gcp";
export { AzureProvider, mapAzureVm, mapAzureContainer, azurePowerState, type AzureSubscription, type AzureOptions } from "./azure";
