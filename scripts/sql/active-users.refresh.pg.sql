-- active-users.refresh.sql for PostgreSQL: the same recount, after a lock that makes concurrent loads
-- recount one after the other. (SQLite's loads take turns for the whole transaction; PostgreSQL's run
-- side by side, and in READ COMMITTED two recounts of one date would each miss the other's new pairs.
-- The recount below starts once the lock is held, so it sees every pair committed before.)
SELECT pg_advisory_xact_lock(hashtext('event-pipes active_user_table ' || current_schema()));
INSERT INTO active_user_table (date, active_user_count)
SELECT date, count(*) FROM active_user_pairs
WHERE date IN (SELECT DISTINCT date FROM loaded_keys)
GROUP BY date
ON CONFLICT (date) DO UPDATE SET active_user_count = excluded.active_user_count
WHERE active_user_table.active_user_count IS DISTINCT FROM excluded.active_user_count;
