-- Persistent Timers: the timer table. Flyway runs this in the store's schema (search_path is set
-- to it), with the history in timers_schema_history, so it coexists with a host's own Flyway.
--
-- Derived from the seed's active_timers, renamed to persistent_timers so it cannot clash with a
-- host that already has the seed's table.
--
-- callback_params is TEXT, not JSONB: jsonb normalises key order and whitespace, and the store
-- contract requires get() to return a record equal to the one written, params text included.
-- The CHECK still refuses text that is not JSON. schedule_json and retry_policy are JSONB: their
-- fromJson(toJson()) round-trips to an equal value whatever the key order.
--
-- Every instant is TIMESTAMPTZ (an absolute instant); a plain TIMESTAMP would store wall time of
-- whatever zone the writer had.
--
-- timer_type, status and overdue_policy are deliberately not constrained to today's enum names:
-- a row the code cannot read (a name from a newer version, a corrupt schedule) must be kept and
-- quarantined by the store, not refused or dropped.
CREATE TABLE persistent_timers (
    id              TEXT        PRIMARY KEY,
    participant_id  TEXT        NOT NULL,
    flow_type       TEXT        NOT NULL,
    callback_type   TEXT        NOT NULL,
    callback_params TEXT        NOT NULL CONSTRAINT persistent_timers_params_json CHECK (callback_params::jsonb IS NOT NULL),
    payload_version INT         NOT NULL CONSTRAINT persistent_timers_payload_version CHECK (payload_version >= 1),
    timer_type      TEXT        NOT NULL,
    schedule_json   JSONB,
    next_fire_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ,
    state_type      TEXT,
    data_key        TEXT,
    attempt         INT         NOT NULL CONSTRAINT persistent_timers_attempt CHECK (attempt >= 0),
    last_error      TEXT,
    status          TEXT        NOT NULL,
    version         BIGINT      NOT NULL CONSTRAINT persistent_timers_version CHECK (version >= 1),
    retry_policy    JSONB,
    overdue_policy  TEXT,
    last_fired_at   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- findDue: ACTIVE timers in due order (next_fire_at, id); partial, so finished states cost nothing.
CREATE INDEX persistent_timers_due_idx ON persistent_timers (next_fire_at, id) WHERE status = 'ACTIVE';
-- list / count / delete by participant, optionally with a flow type.
CREATE INDEX persistent_timers_participant_idx ON persistent_timers (participant_id, flow_type);
CREATE INDEX persistent_timers_flow_type_idx ON persistent_timers (flow_type);
CREATE INDEX persistent_timers_callback_type_idx ON persistent_timers (callback_type);
-- deleteExpired.
CREATE INDEX persistent_timers_expires_at_idx ON persistent_timers (expires_at) WHERE expires_at IS NOT NULL;
-- deleteFailedBefore.
CREATE INDEX persistent_timers_failed_idx ON persistent_timers (updated_at) WHERE status = 'FAILED';
