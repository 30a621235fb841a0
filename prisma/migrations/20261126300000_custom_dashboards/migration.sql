-- Saved custom dashboards (docs/metrics.md "Custom dashboards").
CREATE TABLE "CustomDashboard" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ownerTeamId" TEXT NOT NULL,
    "range" TEXT NOT NULL DEFAULT '6h',
    "panels" JSONB NOT NULL DEFAULT '[]',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdById" TEXT,
    "updatedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomDashboard_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "CustomDashboard_ownerTeamId_updatedAt_idx" ON "CustomDashboard"("ownerTeamId", "updatedAt");

CREATE INDEX "CustomDashboard_updatedAt_id_idx" ON "CustomDashboard"("updatedAt", "id");

ALTER TABLE "CustomDashboard" ADD CONSTRAINT "CustomDashboard_ownerTeamId_fkey" FOREIGN KEY ("ownerTeamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "CustomDashboard" ADD CONSTRAINT "CustomDashboard_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
