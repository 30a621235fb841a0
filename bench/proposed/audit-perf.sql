-- PROPOSED migration (not applied to the app): `npm run bench:audit -- --proposed` applies it to a clone of the bench
-- database and measures before/after. See docs/performance.md for the figures.

-- 1. Hash functions: declare them STABLE (what their bodies really are) and PARALLEL SAFE.
--    audit_canonical() calls jsonb_build_object(), enum_out (outcome::text) and convert_to(), which are STABLE. Postgres
--    never inlines an IMMUTABLE SQL function whose body is not immutable, so today every row pays two calls through the
--    SQL-function executor on top of the hashing itself (~4x the cost of the hash). Declared STABLE they are inlined
--    into the verify query and the append trigger. The hash value is unchanged (same expression), no index
--    or constraint depends on the functions, and no existing row needs rewriting.
ALTER FUNCTION audit_canonical("AuditEvent") STABLE PARALLEL SAFE;
ALTER FUNCTION audit_hash(text, "AuditEvent") STABLE PARALLEL SAFE;

-- 2. actor + action filter. Actor and action are strongly correlated (a service account does only a few actions), but
--    the planner multiplies their selectivities: for actor=svc:deploy-bot AND action=auth.signin it expects thousands
--    of rows, walks the primary key backwards "until 51 match", and reads the whole table because none do. With this
--    index the pair is a single index range in seq order, whatever the correlation.
--    Prisma: model AuditEvent { … @@index([actorLabel, action, seq(sort: Desc)]) }
CREATE INDEX "AuditEvent_actorLabel_action_seq_idx" ON "AuditEvent"("actorLabel", "action", "seq" DESC);
