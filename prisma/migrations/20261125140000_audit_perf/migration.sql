-- Audit performance (measured in docs/performance.md).
-- 1. The hash functions call STABLE functions (jsonb_build_object, enum output, convert_to). Declared IMMUTABLE they were
--    never inlined, so every row paid two SQL-function calls on top of the hashing. STABLE is what they really are; the
--    expression and therefore every hash is unchanged, no row is rewritten. PARALLEL SAFE lets verification use more cores.
ALTER FUNCTION audit_canonical("AuditEvent") STABLE PARALLEL SAFE;
ALTER FUNCTION audit_hash(text, "AuditEvent") STABLE PARALLEL SAFE;

-- 2. actor + action: the two are strongly correlated (a service account does a few actions), which the planner cannot
--    see; with this index the pair is one index range in seq order.
CREATE INDEX "AuditEvent_actorLabel_action_seq_idx" ON "AuditEvent"("actorLabel", "action", "seq" DESC);
