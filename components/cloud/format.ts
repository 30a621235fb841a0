/** Labels of the inventory's resource types and risk flags (the server's RISKS explain them in full). */
export const TYPE_LABEL: Record<string, string> = {
  "ec2.instance": "EC2 instance",
  "autoscaling.group": "Auto Scaling group",
  "s3.bucket": "S3 bucket",
  "lambda.function": "Lambda function",
  "rds.instance": "RDS instance",
  "gce.instance": "Compute Engine VM",
  "gcs.bucket": "Cloud Storage bucket",
  "azure.vm": "Azure VM",
  "azure.container": "Blob container",
};

export const RISK_LABEL: Record<string, string> = {
  "public-bucket": "public storage",
  unencrypted: "unencrypted",
  "stopped-costing": "stopped, still billed",
  "publicly-accessible": "public database",
};

export const PROVIDER_LABEL: Record<string, string> = { aws: "AWS", gcp: "Google Cloud", azure: "Azure" };

/** Run state on the status palette: running healthy, stopped degraded, gone failing, the rest unknown. */
export function stateTone(state: string, type = ""): "healthy" | "degraded" | "failing" | "unknown" {
  const s = state.toLowerCase();
  // Compute Engine calls a stopped VM TERMINATED (it can be started again).
  if (type === "gce.instance" && s === "terminated") return "degraded";
  if (["running", "available", "active", "inservice"].includes(s) || /in service/.test(s)) return "healthy";
  if (["stopped", "stopping", "terminated-soon", "suspended"].includes(s)) return "degraded";
  if (["terminated", "failed", "deleting"].includes(s)) return "failing";
  return "unknown";
}
