-- notifier: one row per running clock of a complaint (DESIGN.md §5). Alerts already sent are
-- remembered on the row, so a restart never sends the same warning twice.
CREATE TABLE deadlines (
    complaint_id    uuid        NOT NULL,
    clock           text        NOT NULL,
    tracking_number text        NOT NULL,
    agency_code     text,
    started_at      timestamptz NOT NULL,
    warn_at         timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    stopped_at      timestamptz,
    stopped_by      text,
    warned_at       timestamptz,
    breached_at     timestamptz,
    escalated_at    timestamptz,
    PRIMARY KEY (complaint_id, clock)
);
CREATE INDEX deadlines_open ON deadlines (due_at) WHERE stopped_at IS NULL;

-- what the notifier learnt of each complaint from the other services
CREATE TABLE complaints (
    complaint_id      uuid        PRIMARY KEY,
    tracking_number   text        NOT NULL,
    agency_code       text,
    lapor_tracking_id text,
    forward_outcome   text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
