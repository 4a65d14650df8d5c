-- Persistent Timers: the timer table. Derived from the seed's active_timers, under its own name so
-- it cannot clash with a host that already has that table. Instants are UTC epoch milliseconds.
-- Enum-like columns carry no CHECK constraint on purpose: a row a newer library version wrote with
-- a value this version does not know is quarantined when read, not refused by the database.
CREATE TABLE persistent_timers (
    id              TEXT    NOT NULL PRIMARY KEY,
    participant_id  TEXT    NOT NULL,
    flow_type       TEXT    NOT NULL,
    callback_type   TEXT    NOT NULL,
    callback_params TEXT    NOT NULL,
    payload_version INTEGER NOT NULL,
    timer_type      TEXT    NOT NULL, -- 'ONCE' or 'RECURRING'
    schedule_json   TEXT,             -- Schedule.toJson(), RECURRING only
    next_fire_at    INTEGER NOT NULL,
    expires_at      INTEGER,
    state_type      TEXT,
    data_key        TEXT,
    attempt         INTEGER NOT NULL,
    last_error      TEXT,
    status          TEXT    NOT NULL, -- 'ACTIVE', 'FAILED', 'QUARANTINED'
    version         INTEGER NOT NULL,
    retry_policy    TEXT,             -- RetryPolicy.toJson() or NULL for the engine default
    overdue_policy  TEXT,             -- OverduePolicy name or NULL for the engine default
    last_fired_at   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX idx_persistent_timers_participant ON persistent_timers (participant_id);
CREATE INDEX idx_persistent_timers_flow_type ON persistent_timers (flow_type);
CREATE INDEX idx_persistent_timers_callback_type ON persistent_timers (callback_type);
CREATE INDEX idx_persistent_timers_expires_at ON persistent_timers (expires_at);
-- findDue: an index range scan in due order, no sort.
CREATE INDEX idx_persistent_timers_due ON persistent_timers (status, next_fire_at, id);
