-- notifier (issue 10): the next alert moment of each clock, pauses and restarts, the deadline history,
-- and the delivery outbox.

-- next_alert_at: when this clock has its next warning, breach or escalation step; NULL when nothing is
-- left to announce (stopped, paused, breached with no escalation, escalated to the end of the chain).
-- The due scan reads `next_alert_at <= now` through the partial index below, so it touches only due rows.
ALTER TABLE deadlines
    ADD COLUMN urusan           text,
    ADD COLUMN cycle            integer     NOT NULL DEFAULT 0,
    ADD COLUMN paused_at        timestamptz,
    ADD COLUMN escalation_level integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_alert_at    timestamptz;

-- rows of the first schema: their next moment is recomputed by the scan the first time it sees them
UPDATE deadlines SET next_alert_at = LEAST(CASE WHEN warned_at IS NULL THEN warn_at END,
                                           CASE WHEN breached_at IS NULL THEN due_at END,
                                           CASE WHEN escalated_at IS NULL THEN due_at END)
 WHERE stopped_at IS NULL;
UPDATE deadlines SET escalation_level = 1 WHERE escalated_at IS NOT NULL;

DROP INDEX IF EXISTS deadlines_open;
CREATE INDEX deadlines_next_alert ON deadlines (next_alert_at) WHERE next_alert_at IS NOT NULL;
CREATE INDEX deadlines_tracking ON deadlines (tracking_number);

-- every step of every clock, for GET /v1/deadlines/{tracking_number}
CREATE TABLE deadline_history (
    id              bigserial   PRIMARY KEY,
    complaint_id    uuid        NOT NULL,
    tracking_number text        NOT NULL,
    clock           text        NOT NULL,
    cycle           integer     NOT NULL,
    kind            text        NOT NULL,  -- started paused resumed restarted rescheduled warned breached escalated met
    at              timestamptz NOT NULL,
    due_at          timestamptz,
    detail          jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX deadline_history_tracking ON deadline_history (tracking_number, id);

ALTER TABLE complaints
    ADD COLUMN channel         text,
    ADD COLUMN reply_handle    text,
    ADD COLUMN urusan          text,
    ADD COLUMN ombudsman_due_at timestamptz,  -- the agency never answered: the citizen is owed the Ombudsman route
    ADD COLUMN ombudsman_at    timestamptz;  -- ... and was told

-- one row per message per recipient per alert; idem_key makes a second insert of the same one a no-op.
-- Workers claim pending rows with FOR UPDATE SKIP LOCKED, so two replicas never send the same row.
CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    idem_key        text        NOT NULL UNIQUE,
    channel         text        NOT NULL,  -- email | sms | webhook
    recipient       text        NOT NULL,  -- address, phone or URL (never logged)
    role            text        NOT NULL,
    subject         text        NOT NULL,
    body            text        NOT NULL,
    payload         jsonb       NOT NULL,
    secret_env      text,
    state           text        NOT NULL DEFAULT 'pending',  -- pending | sent | dead
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';

-- the daily digest: one per agency per local date
CREATE TABLE digests (
    agency_code text NOT NULL,
    day         date NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_code, day)
);
