-- E-mail as it is sent, attachments, duplicates and follow-ups (issue 7).

-- Attachments: the content stays here, never in a Kafka record; complaints carry a signed URL
-- (services/intake/attachments.py). `complaint_id` is the complaint the file belongs to (a follow-up's
-- files belong to the complaint it joined); the cap per complaint is ADUAN_ATTACHMENTS_MAX_*.
CREATE TABLE attachments (
    attachment_id uuid        PRIMARY KEY,
    complaint_id  uuid        NOT NULL,
    filename      text,
    media_type    text        NOT NULL,
    size_bytes    integer     NOT NULL,
    content       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_complaint ON attachments (complaint_id);

-- The Message-IDs of the e-mails intake sent a reporter: a reply naming one (In-Reply-To, References)
-- joins that complaint.
CREATE TABLE mail_threads (
    message_id      text        PRIMARY KEY,
    complaint_id    uuid        NOT NULL,
    tracking_number text        NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);

-- A near-duplicate is kept (its reporter, its number) but linked to the first complaint, which alone
-- is routed and forwarded. What the comparison needs of each complaint (duplicates.Candidate).
ALTER TABLE complaints ADD COLUMN duplicate_of uuid REFERENCES complaints (complaint_id);
CREATE TABLE candidates (
    complaint_id   uuid        PRIMARY KEY REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    received_at    timestamptz NOT NULL,
    text           text        NOT NULL,
    region_code    text,
    kecamatan_code text,
    lat            double precision,
    lon            double precision,
    place_text     text,
    reporter_key   text
);
CREATE INDEX candidates_received_at ON candidates (received_at);
CREATE INDEX candidates_reporter ON candidates (reporter_key, received_at) WHERE reporter_key IS NOT NULL;

-- A reporter's further message on a complaint (a reply to our e-mail, a message quoting its number):
-- once per channel message, published as complaint.follow_up on complaints.follow_ups.
CREATE TABLE follow_ups (
    channel            text        NOT NULL,
    channel_message_id text        NOT NULL,
    complaint_id       uuid        NOT NULL REFERENCES complaints (complaint_id),
    kind               text        NOT NULL,
    reason             text        NOT NULL,
    received_at        timestamptz NOT NULL,
    PRIMARY KEY (channel, channel_message_id)
);
CREATE INDEX follow_ups_complaint ON follow_ups (complaint_id);
