-- routing: every decision made, with its evidence, so a misroute can always be traced and explained.
CREATE TABLE decisions (
    event_id        uuid        PRIMARY KEY,   -- the event that caused the decision
    complaint_id    uuid        NOT NULL,
    tracking_number text        NOT NULL,
    level           text        NOT NULL,
    urusan          text        NOT NULL,
    region_code     text        NOT NULL,
    agency_code     text        NOT NULL,
    confidence      real        NOT NULL,
    reasons         jsonb       NOT NULL,
    outcome         text        NOT NULL CHECK (outcome IN ('routed', 'triage')),
    complaint       jsonb       NOT NULL,      -- kept for triage and re-routing decisions
    correlation_id  text        NOT NULL,
    decided_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_complaint ON decisions (complaint_id, decided_at);
