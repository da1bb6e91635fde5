-- Run by the loader in the same transaction as the pairs it loaded: recount the touched dates only.
-- (The same statement runs on PostgreSQL: active-users.refresh.pg.sql, which takes a lock first.)
INSERT INTO active_user_table (date, active_user_count)
SELECT date, count(*) FROM active_user_pairs
WHERE date IN (SELECT DISTINCT date FROM loaded_keys)
GROUP BY date
ON CONFLICT (date) DO UPDATE SET active_user_count = excluded.active_user_count
WHERE active_user_table.active_user_count IS DISTINCT FROM excluded.active_user_count;
