-- Tamper-evident audit log.
--  * audit_head holds the tip of the chain; locking its single row serialises appends, so the chain never forks.
--  * A BEFORE INSERT trigger assigns seq (gap-free), ts (monotonic with seq), prev_hash and hash, whatever the client sent.
--  * hash = sha256(prev_hash || canonical JSON of the row). The canonical JSON is jsonb's text form, whose key order
--    is fixed by Postgres (keys sorted), so the verifier can recompute it exactly: see audit_canonical().
--  * UPDATE, DELETE and TRUNCATE are rejected by triggers.

INSERT INTO "AuditHead" ("id", "lastSeq", "lastHash") VALUES (1, 0, '') ON CONFLICT DO NOTHING;

CREATE FUNCTION audit_canonical(e "AuditEvent") RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'seq', e."seq",
    'ts', (extract(epoch FROM e."ts") * 1000000)::bigint,
    'actorId', e."actorId",
    'actorLabel', e."actorLabel",
    'action', e."action",
    'targetType', e."targetType",
    'targetId', e."targetId",
    'outcome', e."outcome"::text,
    'ip', e."ip",
    'requestId', e."requestId",
    'before', e."before",
    'after', e."after",
    'meta', e."meta"
  )::text
$$;

CREATE FUNCTION audit_hash(prev text, e "AuditEvent") RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(prev || audit_canonical(e), 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head "AuditHead"%ROWTYPE;
BEGIN
  SELECT * INTO head FROM "AuditHead" WHERE "id" = 1 FOR UPDATE;
  NEW."seq" := head."lastSeq" + 1;
  -- clock_timestamp under the lock: ts never goes backwards along seq, which lets time filters become seq ranges.
  NEW."ts" := greatest(clock_timestamp(), (SELECT "ts" FROM "AuditEvent" WHERE "seq" = head."lastSeq"));
  NEW."prevHash" := head."lastHash";
  NEW."hash" := audit_hash(head."lastHash", NEW);
  UPDATE "AuditHead" SET "lastSeq" = NEW."seq", "lastHash" = NEW."hash" WHERE "id" = 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_append BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION audit_append();

CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AuditEvent is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON "AuditEvent" FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
