-- Trust at the edge (docs/privacy.md). The reporter's identity and the unmasked text of anonymous
-- and confidential complaints live here and nowhere else; other services see a reply handle.
CREATE TABLE reporters (
    complaint_id   uuid        PRIMARY KEY REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    reply_handle   text        NOT NULL UNIQUE,
    name           text,
    phone          text,
    email          text,
    original_title text,
    original_body  text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE complaints
    ADD COLUMN anonymous    boolean NOT NULL DEFAULT false,
    ADD COLUMN confidential boolean NOT NULL DEFAULT false;

-- The unmasked copy of a rejected message, for support; purged after ADUAN_REJECTED_RAW_RETENTION_DAYS.
ALTER TABLE rejections ADD COLUMN raw jsonb;

-- One Idempotency-Key, one request: the same key with another body is refused (409).
CREATE TABLE idempotency_keys (
    idempotency_key text        PRIMARY KEY,
    request_digest  text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One-use webhook tokens (Mailgun's), kept a little longer than the timestamp tolerance.
CREATE TABLE webhook_tokens (
    scope   text        NOT NULL,
    token   text        NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, token)
);
CREATE INDEX webhook_tokens_seen_at ON webhook_tokens (seen_at);
CREATE INDEX rejections_rejected_at ON rejections (rejected_at) WHERE raw IS NOT NULL;
