-- notifier: the lifecycle events seen per complaint (event -> first time), so a clock whose stop event arrived
-- before its start event (they travel on different topics) opens already met instead of raising a false alarm.
ALTER TABLE complaints ADD COLUMN events_seen jsonb NOT NULL DEFAULT '{}'::jsonb;
