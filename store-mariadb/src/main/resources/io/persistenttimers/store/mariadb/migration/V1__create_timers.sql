-- Persistent Timers: the timer table on MariaDB 10.6+ / MySQL 8.0+. Flyway runs this in the
-- store's database, with the history in timers_schema_history, beside a host's own Flyway.
--
-- The MySQL traps, and how this table avoids each:
--
-- * Ids compare byte-exact. Every text column uses ${binaryCollation}: a binary collation (so
--   'A' <> 'a' and 'e' <> 'é', where the server default utf8mb4_general_ci calls them equal and
--   two timers would collide) that is also NO PAD (so 'a' <> 'a ', where utf8mb4_bin pads). The
--   store picks utf8mb4_nopad_bin on MariaDB and utf8mb4_0900_bin on MySQL 8, which has no
--   nopad_bin.
-- * utf8mb4 everywhere, never utf8/utf8mb3 (which cannot hold emoji): the table's charset is
--   explicit, so the database's or server's default does not matter.
-- * Instants are DATETIME(3) holding UTC, written and read by the store as UTC wall time.
--   DATETIME is never converted by the session time_zone (TIMESTAMP is, both ways), holds
--   years 1000..9999 where TIMESTAMP ends in January 2038, and (3) keeps the milliseconds a
--   TimerRecord has. Lease times come from UTC_TIMESTAMP(3), the server's clock in UTC.
-- * JSON is LONGTEXT with a JSON_VALID check, not the JSON type: MySQL 8's JSON type stores a
--   binary form and returns the keys reordered and the whitespace changed, while params must
--   come back byte for byte (MariaDB's JSON is LONGTEXT with the same check under another name).
-- * Index lengths: ids and names are VARCHAR(255) (TimerRecord's limit of 255 UTF-16 chars fits
--   255 code points), which InnoDB counts as 1,020 bytes of utf8mb4; the widest index,
--   (participant_id, flow_type), takes 2,040 bytes, under the 3,072-byte limit of the DYNAMIC row
--   format, so no index needs a prefix.
--
-- timer_type, status and overdue_policy are deliberately not constrained to today's enum names:
-- a row the code cannot read must be kept and quarantined by the store, not refused.
CREATE TABLE persistent_timers (
    id              VARCHAR(255) NOT NULL,
    participant_id  VARCHAR(255) NOT NULL,
    flow_type       VARCHAR(255) NOT NULL,
    callback_type   VARCHAR(255) NOT NULL,
    callback_params LONGTEXT     NOT NULL,
    payload_version INT          NOT NULL,
    timer_type      VARCHAR(64)  NOT NULL,
    schedule_json   LONGTEXT,
    next_fire_at    DATETIME(3)  NOT NULL,
    expires_at      DATETIME(3),
    state_type      VARCHAR(255),
    data_key        VARCHAR(255),
    attempt         INT          NOT NULL,
    last_error      TEXT,
    status          VARCHAR(64)  NOT NULL,
    version         BIGINT       NOT NULL,
    retry_policy    LONGTEXT,
    overdue_policy  VARCHAR(64),
    last_fired_at   DATETIME(3),
    created_at      DATETIME(3)  NOT NULL,
    updated_at      DATETIME(3)  NOT NULL,
    -- Multi-node mode: a node claims a due timer by setting owner and lease_until (by the
    -- server's UTC clock); taking one from another node increments lease_epoch and version.
    owner           VARCHAR(255),
    lease_until     DATETIME(3),
    lease_epoch     BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT persistent_timers_params_json CHECK (JSON_VALID(callback_params)),
    CONSTRAINT persistent_timers_schedule_json CHECK (schedule_json IS NULL OR JSON_VALID(schedule_json)),
    CONSTRAINT persistent_timers_retry_json CHECK (retry_policy IS NULL OR JSON_VALID(retry_policy)),
    CONSTRAINT persistent_timers_payload_version CHECK (payload_version >= 1),
    CONSTRAINT persistent_timers_attempt CHECK (attempt >= 0),
    CONSTRAINT persistent_timers_version CHECK (version >= 1),
    -- findDue and claims: ACTIVE timers in due order (no partial indexes here: status leads).
    KEY persistent_timers_due_idx (status, next_fire_at, id),
    -- list / count / delete by participant, optionally with a flow type.
    KEY persistent_timers_participant_idx (participant_id, flow_type),
    KEY persistent_timers_flow_type_idx (flow_type),
    KEY persistent_timers_callback_type_idx (callback_type),
    KEY persistent_timers_expires_at_idx (expires_at),
    -- deleteFailedBefore: (status, updated_at).
    KEY persistent_timers_status_updated_idx (status, updated_at),
    -- Lease renewal and release by node.
    KEY persistent_timers_owner_idx (owner)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = ${binaryCollation};
