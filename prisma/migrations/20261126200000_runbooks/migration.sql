-- CreateEnum
CREATE TYPE "RunbookSource" AS ENUM ('file', 'entity', 'ui');

-- CreateEnum
CREATE TYPE "RunbookRunState" AS ENUM ('queued', 'awaiting_approval', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted', 'missed', 'skipped');

-- CreateEnum
CREATE TYPE "RunbookStepState" AS ENUM ('pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'skipped', 'cancelled', 'timed_out', 'interrupted');

-- CreateTable
CREATE TABLE "Runbook" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "source" "RunbookSource" NOT NULL,
    "sourceRef" TEXT,
    "ownerSlug" TEXT NOT NULL DEFAULT '',
    "ownerTeamId" TEXT,
    "entityRef" TEXT,
    "tags" TEXT[],
    "valid" BOOLEAN NOT NULL DEFAULT false,
    "dangerous" BOOLEAN NOT NULL DEFAULT false,
    "concurrency" INTEGER NOT NULL DEFAULT 1,
    "currentVersion" INTEGER NOT NULL DEFAULT 0,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastRunId" TEXT,
    "lastRunState" "RunbookRunState",
    "lastRunAt" TIMESTAMP(3),

    CONSTRAINT "Runbook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookVersion" (
    "id" TEXT NOT NULL,
    "runbookId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "yaml" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "problems" JSONB NOT NULL DEFAULT '[]',
    "definition" JSONB,
    "source" "RunbookSource" NOT NULL,
    "createdById" TEXT,
    "createdBy" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookRun" (
    "id" TEXT NOT NULL,
    "runbookId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "state" "RunbookRunState" NOT NULL DEFAULT 'queued',
    "trigger" TEXT NOT NULL DEFAULT 'manual',
    "scheduleId" TEXT,
    "params" JSONB NOT NULL DEFAULT '{}',
    "secretParams" TEXT,
    "requestedById" TEXT,
    "requestedBy" TEXT NOT NULL,
    "ownerTeamId" TEXT,
    "entityRef" TEXT,
    "nextStep" INTEGER NOT NULL DEFAULT 0,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "message" TEXT NOT NULL DEFAULT '',
    "slot" INTEGER,
    "timeoutMs" INTEGER NOT NULL,
    "activeMs" INTEGER NOT NULL DEFAULT 0,
    "approvalsNeeded" INTEGER NOT NULL DEFAULT 0,
    "approval" JSONB,
    "approvalDeadline" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "workerId" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "cancelRequestedAt" TIMESTAMP(3),
    "cancelRequestedBy" TEXT,

    CONSTRAINT "RunbookRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookStepRun" (
    "runId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "stepId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state" "RunbookStepState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "exitCode" INTEGER,
    "result" JSONB,
    "message" TEXT NOT NULL DEFAULT '',
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "process" JSONB,

    CONSTRAINT "RunbookStepRun_pkey" PRIMARY KEY ("runId","index")
);

-- CreateTable
CREATE TABLE "RunbookLogChunk" (
    "runId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "step" INTEGER,
    "stream" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "lines" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookLogChunk_pkey" PRIMARY KEY ("runId","seq")
);

-- CreateTable
CREATE TABLE "RunbookApproval" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "gate" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "userLabel" TEXT NOT NULL,
    "decision" "ApprovalDecision" NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookApproval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookArtifact" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookArtifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunbookSchedule" (
    "runbookId" TEXT NOT NULL,
    "scheduleId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "checkedUntil" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunbookSchedule_pkey" PRIMARY KEY ("runbookId","scheduleId")
);

-- CreateTable
CREATE TABLE "RunbookScheduleSlot" (
    "runbookId" TEXT NOT NULL,
    "scheduleId" TEXT NOT NULL,
    "slotAt" TIMESTAMP(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "runId" TEXT,
    "claimedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunbookScheduleSlot_pkey" PRIMARY KEY ("runbookId","scheduleId","slotAt")
);

-- CreateIndex
CREATE UNIQUE INDEX "Runbook_name_key" ON "Runbook"("name");

-- CreateIndex
CREATE INDEX "Runbook_ownerTeamId_idx" ON "Runbook"("ownerTeamId");

-- CreateIndex
CREATE INDEX "Runbook_entityRef_idx" ON "Runbook"("entityRef");

-- CreateIndex
CREATE UNIQUE INDEX "RunbookVersion_runbookId_version_key" ON "RunbookVersion"("runbookId", "version");

-- CreateIndex
CREATE INDEX "RunbookRun_createdAt_id_idx" ON "RunbookRun"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "RunbookRun_runbookId_createdAt_id_idx" ON "RunbookRun"("runbookId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "RunbookRun_state_createdAt_id_idx" ON "RunbookRun"("state", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "RunbookRun_requestedById_createdAt_id_idx" ON "RunbookRun"("requestedById", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "RunbookApproval_runId_gate_userId_key" ON "RunbookApproval"("runId", "gate", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "RunbookArtifact_runId_name_key" ON "RunbookArtifact"("runId", "name");

-- AddForeignKey
ALTER TABLE "Runbook" ADD CONSTRAINT "Runbook_ownerTeamId_fkey" FOREIGN KEY ("ownerTeamId") REFERENCES "Team"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookVersion" ADD CONSTRAINT "RunbookVersion_runbookId_fkey" FOREIGN KEY ("runbookId") REFERENCES "Runbook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookRun" ADD CONSTRAINT "RunbookRun_runbookId_fkey" FOREIGN KEY ("runbookId") REFERENCES "Runbook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookStepRun" ADD CONSTRAINT "RunbookStepRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RunbookRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookLogChunk" ADD CONSTRAINT "RunbookLogChunk_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RunbookRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookApproval" ADD CONSTRAINT "RunbookApproval_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RunbookRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookArtifact" ADD CONSTRAINT "RunbookArtifact_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RunbookRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookSchedule" ADD CONSTRAINT "RunbookSchedule_runbookId_fkey" FOREIGN KEY ("runbookId") REFERENCES "Runbook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookScheduleSlot" ADD CONSTRAINT "RunbookScheduleSlot_runbookId_scheduleId_fkey" FOREIGN KEY ("runbookId", "scheduleId") REFERENCES "RunbookSchedule"("runbookId", "scheduleId") ON DELETE CASCADE ON UPDATE CASCADE;



-- ── Run state machine and concurrency limit, enforced by the database (server/runbooks/state.ts mirrors the edges) ──
-- An active run (queued, awaiting_approval, running) holds a slot 0..concurrency-1 of its runbook; two runs can never
-- hold the same slot (partial unique index), so "only N at a time" holds even for concurrent inserts from several
-- processes. Terminal states release the slot. Concurrency 0 means unlimited (no slot).
CREATE UNIQUE INDEX "RunbookRun_runbook_slot_key" ON "RunbookRun"("runbookId", "slot") WHERE "slot" IS NOT NULL;

CREATE FUNCTION runbook_run_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lim integer;
  free integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.state::text NOT IN ('queued', 'awaiting_approval', 'missed', 'skipped') THEN
      RAISE EXCEPTION 'runbook_run_transition: a run starts queued or awaiting_approval (or is recorded missed/skipped), not %', NEW.state
        USING ERRCODE = 'RB002';
    END IF;
  ELSIF NEW.state IS DISTINCT FROM OLD.state THEN
    IF (OLD.state::text, NEW.state::text) NOT IN (
      ('queued', 'running'), ('queued', 'awaiting_approval'), ('queued', 'cancelled'), ('queued', 'interrupted'), ('queued', 'timed_out'),
      ('awaiting_approval', 'running'), ('awaiting_approval', 'cancelled'), ('awaiting_approval', 'timed_out'),
      ('running', 'awaiting_approval'), ('running', 'succeeded'), ('running', 'failed'), ('running', 'cancelled'),
      ('running', 'timed_out'), ('running', 'interrupted')
    ) THEN
      RAISE EXCEPTION 'runbook_run_transition: % -> % is not an allowed move (run %)', OLD.state, NEW.state, OLD.id
        USING ERRCODE = 'RB002';
    END IF;
  END IF;

  IF NEW.state::text IN ('queued', 'awaiting_approval', 'running') THEN
    IF TG_OP = 'INSERT' THEN
      SELECT "concurrency" INTO lim FROM "Runbook" WHERE "id" = NEW."runbookId";
      IF coalesce(lim, 0) > 0 THEN
        SELECT s INTO free FROM generate_series(0, lim - 1) AS s
          WHERE NOT EXISTS (SELECT 1 FROM "RunbookRun" r WHERE r."runbookId" = NEW."runbookId" AND r."slot" = s)
          ORDER BY s LIMIT 1;
        IF free IS NULL THEN
          RAISE EXCEPTION 'runbook_concurrency_limit: % active run(s) allowed', lim USING ERRCODE = 'RB001';
        END IF;
        NEW."slot" := free;
      ELSE
        NEW."slot" := NULL;
      END IF;
    ELSE
      NEW."slot" := OLD."slot"; -- the app never moves slots
    END IF;
  ELSE
    NEW."slot" := NULL;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER runbook_run_guard BEFORE INSERT OR UPDATE ON "RunbookRun" FOR EACH ROW EXECUTE FUNCTION runbook_run_guard();
