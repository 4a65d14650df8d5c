-- Multi-node mode: a node claims a due timer by setting owner and lease_until (by the database's
-- clock). Taking a timer from another node (whose lease expired) increments lease_epoch and the
-- row's version; completion and rescheduling compare and set on the version, which fences off a
-- node that was only paused. Single-node use leaves these columns NULL / 0.
ALTER TABLE persistent_timers ADD COLUMN owner TEXT;
ALTER TABLE persistent_timers ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE persistent_timers ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;

-- Lease renewal and release by node.
CREATE INDEX persistent_timers_owner_idx ON persistent_timers (owner) WHERE owner IS NOT NULL;
