-- CI runs (all providers), built-in runner logs/artefacts, polling schedule, webhook replay protection; cloud inventory cache.
-- CreateEnum
CREATE TYPE "CiRunStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted', 'skipped');

-- CreateTable
CREATE TABLE "CiRun" (
    "id" TEXT NOT NULL,
    "entityRef" TEXT NOT NULL,
    "ownerTeamId" TEXT,
    "provider" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "number" INTEGER,
    "pipeline" TEXT NOT NULL,
    "status" "CiRunStatus" NOT NULL,
    "providerStatus" TEXT NOT NULL DEFAULT '',
    "branch" TEXT,
    "commitSha" TEXT,
    "commitTime" TIMESTAMP(3),
    "commitMessage" TEXT,
    "actor" TEXT,
    "event" TEXT,
    "url" TEXT,
    "version" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "message" TEXT NOT NULL DEFAULT '',
    "inputs" JSONB,
    "steps" JSONB,
    "requestedById" TEXT,
    "rerunOfId" TEXT,
    "cancelRequestedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "heartbeatAt" TIMESTAMP(3),
    CONSTRAINT "CiRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiLogChunk" (
    "runId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "stream" TEXT NOT NULL,
    "step" TEXT NOT NULL DEFAULT '',
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CiLogChunk_pkey" PRIMARY KEY ("runId","seq")
);

-- CreateTable
CREATE TABLE "CiArtefact" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storedPath" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CiArtefact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiPollState" (
    "entityRef" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "intervalSeconds" INTEGER NOT NULL,
    "nextPollAt" TIMESTAMP(3) NOT NULL,
    "lastPolledAt" TIMESTAMP(3),
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "CiPollState_pkey" PRIMARY KEY ("entityRef","provider")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "provider" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("provider","deliveryId")
);

-- CreateTable
CREATE TABLE "CloudResource" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "resourceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT '',
    "service" TEXT,
    "entityRef" TEXT,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "details" JSONB NOT NULL DEFAULT '{}',
    "risks" TEXT[],
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refreshedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CloudResource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CloudSource" (
    "provider" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "resources" INTEGER NOT NULL DEFAULT 0,
    "durationMs" INTEGER NOT NULL DEFAULT 0,
    "demo" BOOLEAN NOT NULL DEFAULT false,
    "refreshedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "CloudSource_pkey" PRIMARY KEY ("provider","account","region")
);

-- CreateIndex
CREATE INDEX "CiRun_entityRef_createdAt_id_idx" ON "CiRun"("entityRef", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "CiRun_entityRef_status_finishedAt_idx" ON "CiRun"("entityRef", "status", "finishedAt" DESC);

-- CreateIndex
CREATE INDEX "CiRun_status_idx" ON "CiRun"("status");

-- CreateIndex
CREATE UNIQUE INDEX "CiRun_provider_externalId_key" ON "CiRun"("provider", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "CiArtefact_runId_name_key" ON "CiArtefact"("runId", "name");

-- CreateIndex
CREATE INDEX "CiPollState_nextPollAt_idx" ON "CiPollState"("nextPollAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");

-- CreateIndex
CREATE INDEX "CloudResource_entityRef_idx" ON "CloudResource"("entityRef");

-- CreateIndex
CREATE INDEX "CloudResource_name_id_idx" ON "CloudResource"("name", "id");

-- CreateIndex
CREATE INDEX "CloudResource_provider_type_idx" ON "CloudResource"("provider", "type");

-- CreateIndex
CREATE INDEX "CloudResource_risks_idx" ON "CloudResource" USING GIN ("risks");

-- CreateIndex
CREATE UNIQUE INDEX "CloudResource_provider_resourceId_key" ON "CloudResource"("provider", "resourceId");

-- AddForeignKey
ALTER TABLE "CiLogChunk" ADD CONSTRAINT "CiLogChunk_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CiRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CiArtefact" ADD CONSTRAINT "CiArtefact_runId_fkey" FOREIGN KEY ("runId") REFERENCES "CiRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
