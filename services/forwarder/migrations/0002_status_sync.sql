-- How far the forwarder has read LAPOR!'s status changes (one row), so a restart continues there.
CREATE TABLE status_sync (
    id        boolean     PRIMARY KEY DEFAULT true CHECK (id),
    synced_to timestamptz NOT NULL
);
