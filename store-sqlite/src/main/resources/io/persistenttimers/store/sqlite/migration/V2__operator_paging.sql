-- Operator paging (CLI and admin page): every list is ordered by (next_fire_at, id) and pages by
-- keyset on that pair, so each filter an operator pages through needs an index that ends in it;
-- a page is then an index range read of LIMIT rows however many timers are stored. The
-- composites replace the single-column flow and callback type indexes, which they cover.
CREATE INDEX idx_persistent_timers_order ON persistent_timers (next_fire_at, id);
CREATE INDEX idx_persistent_timers_flow_type_order ON persistent_timers (flow_type, next_fire_at, id);
CREATE INDEX idx_persistent_timers_callback_type_order ON persistent_timers (callback_type, next_fire_at, id);
DROP INDEX idx_persistent_timers_flow_type;
DROP INDEX idx_persistent_timers_callback_type;
