-- The correlation id of the complaint's chain (set at complaints.inbound), so that the status steps
-- the forwarder brings back from LAPOR! carry it too (rows from before this migration have none).
ALTER TABLE reports ADD COLUMN correlation_id text;
