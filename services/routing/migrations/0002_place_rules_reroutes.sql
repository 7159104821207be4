-- routing: responsibility apart from place, the rule set of every decision, and re-routes after "bukan wewenang".
ALTER TABLE decisions ALTER COLUMN region_code DROP NOT NULL;  -- null for pusat and bumn, and for an unknown kab/kota
ALTER TABLE decisions ADD COLUMN place jsonb;                    -- where it happened: kab/kota, kecamatan, desa codes
ALTER TABLE decisions ADD COLUMN rule_version text;              -- the rule set (data files) that decided
ALTER TABLE decisions ADD COLUMN excluded_agencies jsonb NOT NULL DEFAULT '[]';  -- agencies that declined before
ALTER TABLE decisions ADD COLUMN routed_event_id uuid;           -- the complaints.routed event this decision published
ALTER TABLE decisions ADD COLUMN reroute_of uuid;                -- the earlier complaints.routed event it replaces
CREATE INDEX decisions_tracking ON decisions (tracking_number, decided_at);
