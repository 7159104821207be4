-- forwarder: one row per complaint mirrored into LAPOR!. The row is written (and the attempt counted)
-- before each call, so after a crash the forwarder knows it may already have created the report and
-- looks the reference up before creating again: exactly one LAPOR! report per complaint.
CREATE TABLE reports (
    complaint_id      uuid        PRIMARY KEY,
    tracking_number   text        NOT NULL,
    reference         text        NOT NULL UNIQUE,
    agency_code       text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('pending', 'created', 'parked')),
    attempts          integer     NOT NULL DEFAULT 0,
    lapor_tracking_id text        UNIQUE,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'created' OR lapor_tracking_id IS NOT NULL)
);
CREATE INDEX reports_state ON reports (state) WHERE state <> 'created';
