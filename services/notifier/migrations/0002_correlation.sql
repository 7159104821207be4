-- The correlation id of the event that opened a clock, carried onto its sla.alerts.
ALTER TABLE deadlines ADD COLUMN correlation_id text;
