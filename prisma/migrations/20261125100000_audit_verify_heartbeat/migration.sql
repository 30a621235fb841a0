-- Progress heartbeat for audit verification runs, so runs whose worker died can be settled.
ALTER TABLE "AuditVerifyRun" ADD COLUMN "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
