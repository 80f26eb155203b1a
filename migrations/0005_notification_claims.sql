-- The fan-out claims pending messages "ORDER BY send_at, id". The index of 0004 ended at send_at:
-- SQLite appends the rowid (= id) to every index, so it read the claim in order, but PostgreSQL
-- sorted every pending message on each claim (8 ms a claim with 20,000 messages of one bulk
-- send, all with the same send_at). With id in the index both engines stop after the batch.
DROP INDEX messages_pending;
CREATE INDEX messages_pending ON messages (state, send_at, id);
