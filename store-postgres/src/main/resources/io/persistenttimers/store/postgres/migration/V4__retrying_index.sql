-- Timers waiting for a retry (ACTIVE with a failed attempt) are few, but finding them by attempt
-- scanned the table: the admin page's "retrying" count and list read this index instead.
CREATE INDEX persistent_timers_retrying_idx ON persistent_timers (next_fire_at, id)
    WHERE status = 'ACTIVE' AND attempt > 0;
