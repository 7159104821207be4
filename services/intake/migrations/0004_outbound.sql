-- The citizen kept informed: each message from citizen.outbound, once, and what became of it
-- (sent, no_contact, unknown_handle, not_configured, failed). No text and no address are kept here.
CREATE TABLE outbound (
    event_id        uuid        PRIMARY KEY,
    tracking_number text        NOT NULL,
    kind            text        NOT NULL,
    channel         text        NOT NULL,
    via             text,
    outcome         text        NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
