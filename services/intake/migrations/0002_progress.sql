-- What a citizen sees when following a tracking number: how far the complaint has come, learnt
-- from the other services' events. Events of different topics arrive in any order, so the stage
-- only ever moves forward (stage_rank), and each fact is kept once known.
ALTER TABLE complaints
    ADD COLUMN stage             text        NOT NULL DEFAULT 'accepted',
    ADD COLUMN stage_rank        smallint    NOT NULL DEFAULT 0,
    ADD COLUMN agency_code       text,
    ADD COLUMN lapor_tracking_id text,
    ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now();
