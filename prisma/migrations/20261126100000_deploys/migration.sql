-- Deploys (docs/deploys.md): the Deploy state machine rows, their timeline, approvals and canary analysis.

-- CreateEnum
CREATE TYPE "DeployKind" AS ENUM ('deploy', 'rollback');

-- CreateEnum
CREATE TYPE "DeployStrategy" AS ENUM ('rolling', 'canary');

-- CreateEnum
CREATE TYPE "DeployState" AS ENUM ('requested', 'awaiting_approval', 'approved', 'rejected', 'expired', 'rolling_out', 'verifying', 'succeeded', 'failed', 'rolled_back', 'cancelled');

-- CreateEnum
CREATE TYPE "DeployStepStatus" AS ENUM ('running', 'succeeded', 'failed', 'info');

-- CreateEnum
CREATE TYPE "ApprovalDecision" AS ENUM ('approved', 'rejected');

-- CreateEnum
CREATE TYPE "AnalysisVerdict" AS ENUM ('pass', 'fail', 'error');

-- CreateTable
CREATE TABLE "Deploy" (
    "id" TEXT NOT NULL,
    "entityRef" TEXT NOT NULL,
    "ownerTeamId" TEXT,
    "environment" TEXT NOT NULL,
    "cluster" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "workload" TEXT NOT NULL,
    "container" TEXT NOT NULL,
    "kind" "DeployKind" NOT NULL DEFAULT 'deploy',
    "strategy" "DeployStrategy" NOT NULL DEFAULT 'rolling',
    "state" "DeployState" NOT NULL,
    "fromVersion" TEXT,
    "toVersion" TEXT NOT NULL,
    "fromImage" TEXT,
    "image" TEXT NOT NULL,
    "fromRevision" INTEGER,
    "toRevision" INTEGER,
    "reason" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "approvedById" TEXT,
    "rollbackOfId" TEXT,
    "commitSha" TEXT,
    "commitTime" TIMESTAMP(3),
    "breakGlass" BOOLEAN NOT NULL DEFAULT false,
    "approvalExpiresAt" TIMESTAMP(3),
    "message" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "Deploy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeployStep" (
    "id" BIGSERIAL NOT NULL,
    "deployId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "DeployStepStatus" NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "data" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "DeployStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeployApproval" (
    "id" TEXT NOT NULL,
    "deployId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "decision" "ApprovalDecision" NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeployApproval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeployAnalysis" (
    "id" BIGSERIAL NOT NULL,
    "deployId" TEXT NOT NULL,
    "interval" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "canaryErrorRate" DOUBLE PRECISION,
    "stableErrorRate" DOUBLE PRECISION,
    "canaryLatencyMs" DOUBLE PRECISION,
    "stableLatencyMs" DOUBLE PRECISION,
    "verdict" "AnalysisVerdict" NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "DeployAnalysis_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Deploy_entityRef_environment_createdAt_idx" ON "Deploy"("entityRef", "environment", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Deploy_createdAt_id_idx" ON "Deploy"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Deploy_state_idx" ON "Deploy"("state");

-- CreateIndex
CREATE INDEX "Deploy_environment_finishedAt_idx" ON "Deploy"("environment", "finishedAt");

-- CreateIndex
CREATE INDEX "Deploy_requestedById_idx" ON "Deploy"("requestedById");

-- CreateIndex
CREATE INDEX "DeployStep_deployId_id_idx" ON "DeployStep"("deployId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "DeployApproval_deployId_userId_key" ON "DeployApproval"("deployId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "DeployAnalysis_deployId_interval_key" ON "DeployAnalysis"("deployId", "interval");

-- AddForeignKey
ALTER TABLE "Deploy" ADD CONSTRAINT "Deploy_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deploy" ADD CONSTRAINT "Deploy_approvedById_fkey" FOREIGN KEY ("approvedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deploy" ADD CONSTRAINT "Deploy_rollbackOfId_fkey" FOREIGN KEY ("rollbackOfId") REFERENCES "Deploy"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployStep" ADD CONSTRAINT "DeployStep_deployId_fkey" FOREIGN KEY ("deployId") REFERENCES "Deploy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployApproval" ADD CONSTRAINT "DeployApproval_deployId_fkey" FOREIGN KEY ("deployId") REFERENCES "Deploy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployApproval" ADD CONSTRAINT "DeployApproval_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeployAnalysis" ADD CONSTRAINT "DeployAnalysis_deployId_fkey" FOREIGN KEY ("deployId") REFERENCES "Deploy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot describe it): at most one active deploy per service and environment. The app turns a
-- violation (23505 on this index) into "a deploy of <service> to <env> is already in progress".
CREATE UNIQUE INDEX "Deploy_one_active_per_service_env" ON "Deploy"("entityRef", "environment")
    WHERE "state" IN ('requested', 'awaiting_approval', 'approved', 'rolling_out', 'verifying');
