-- intake: which channel messages became which complaint. No personal data: the complaint itself
-- travels on complaints.accepted; this table lets intake answer "what is my tracking number" and
-- refuse to mint a second complaint for a redelivered channel message.
CREATE TABLE complaints (
    complaint_id       uuid        PRIMARY KEY,
    tracking_number    text        NOT NULL UNIQUE,
    channel            text        NOT NULL,
    channel_message_id text        NOT NULL,
    received_at        timestamptz NOT NULL,
    accepted_at        timestamptz NOT NULL DEFAULT now(),
    correlation_id     text        NOT NULL,
    UNIQUE (channel, channel_message_id)
);

CREATE TABLE rejections (
    event_id           uuid        PRIMARY KEY,
    channel            text        NOT NULL,
    channel_message_id text,
    reason_codes       text[]      NOT NULL,
    rejected_at        timestamptz NOT NULL DEFAULT now()
);
