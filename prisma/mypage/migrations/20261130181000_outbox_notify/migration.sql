-- Wakes the outbox relay right after a commit that wrote to the outbox, whichever process committed
-- (platform/outbox-listener.ts LISTENs): one notification per INSERT statement, delivered at COMMIT
-- (none on rollback), carrying the highest "seq" the statement wrote. PostgreSQL only (SQLite polls).
-- A context's own pool sets ordergraph.outbox_notify = off (platform/database.ts): its commits wake its
-- relay in-process, and a commit that notifies holds PostgreSQL's cluster-wide notify lock until it is durable.
CREATE OR REPLACE FUNCTION "ordergraph_outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('ordergraph.outbox_notify', true), '') <> 'off' THEN
        PERFORM pg_notify('ordergraph_outbox', (SELECT max("seq")::text FROM "inserted"));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER "OutboxEvent_notify" AFTER INSERT ON "OutboxEvent" REFERENCING NEW TABLE AS "inserted"
    FOR EACH STATEMENT EXECUTE FUNCTION "ordergraph_outbox_notify"();
