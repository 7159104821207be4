-- Exactly once under races (issue 9). Every forward of one complaint runs under an advisory lock on
-- the complaint (store.locked), so lookup-then-create is never run by two deliveries at once.
--
-- in_doubt: parked after a try that may have reached LAPOR! (the report may exist); the periodic
-- reconcile looks the reference up and settles it as created or parked.
ALTER TABLE reports DROP CONSTRAINT reports_state_check;
ALTER TABLE reports ADD CONSTRAINT reports_state_check
    CHECK (state IN ('pending', 'created', 'parked', 'in_doubt'));
-- When the latest create call whose outcome is unknown was made (timeout, broken connection, 5xx,
-- unreadable answer). NULL: no call so far can have created the report.
ALTER TABLE reports ADD COLUMN doubt_at timestamptz;
-- What `aduan dlq list|replay` needs without reading Kafka: why it was parked, since when, and the
-- routed complaint itself so that a replay can send it again.
ALTER TABLE reports ADD COLUMN parked_reason text;
ALTER TABLE reports ADD COLUMN parked_at timestamptz;
ALTER TABLE reports ADD COLUMN routed jsonb;
ALTER TABLE reports ADD COLUMN routed_event_id uuid;
ALTER TABLE reports ADD COLUMN replayed_at timestamptz;
CREATE INDEX reports_lapor_reference ON reports (reference);

-- Status steps LAPOR! took for one of our reports whose tracking id the forwarder has not stored yet
-- (the answer was lost, the forward is retrying or in doubt). They are published, in order, as soon as
-- the tracking id is known; the status cursor moves past them only once they are held here.
CREATE TABLE status_backlog (
    tracking_id text        NOT NULL,
    seq         bigint      NOT NULL,
    reference   text        NOT NULL,
    status      text        NOT NULL,
    agency_code text,
    note        text,
    at          timestamptz NOT NULL,
    PRIMARY KEY (tracking_id, seq)
);
ALTER TABLE status_sync ALTER COLUMN synced_to DROP NOT NULL;
ALTER TABLE status_sync ADD COLUMN after_seq bigint NOT NULL DEFAULT 0;

-- Re-routes applied to an existing LAPOR! report ("bukan wewenang" → another agency): each routed
-- event once, and never one that a later re-route already replaced.
CREATE TABLE reroutes (
    event_id     uuid        PRIMARY KEY,
    complaint_id uuid        NOT NULL,
    replaces     uuid        NOT NULL,
    agency_code  text        NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reroutes_replaces ON reroutes (replaces);

-- The reporter's responses sent to LAPOR! (each complaints.responses event once; `doubt_at` as on
-- reports: a call that may have been applied is checked on the report before sending again).
CREATE TABLE responses (
    event_id     uuid        PRIMARY KEY,
    complaint_id uuid        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('pending', 'sent')),
    attempts     integer     NOT NULL DEFAULT 0,
    doubt_at     timestamptz,
    sent_at      timestamptz
);
