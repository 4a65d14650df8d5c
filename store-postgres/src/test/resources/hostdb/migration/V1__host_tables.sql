-- A host application's own schema, including the seed's timer table with its original name.
CREATE TABLE conversation_participants (id TEXT PRIMARY KEY, timezone TEXT);
CREATE TABLE active_timers (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL,
    flow_type TEXT NOT NULL,
    timer_type TEXT NOT NULL,
    callback_type TEXT NOT NULL,
    callback_params JSONB,
    scheduled_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
