-- The Lingokids daily engagement cube in DuckDB, the same rules as scripts/engagement.sh: the
-- activity_exit events of bench/lingokids-events.sql (run before this file), the UTC day of
-- occurred_at; plays, completed plays and total duration per day and slice. Kept as a table in a
-- DuckDB database file.
CREATE TABLE activity_engagement_daily AS
SELECT strftime(occurred_at, '%Y-%m-%d') AS date, country, os_name, os_version, app_version, subscription_status,
       activity_id, activity_type, activity_subtype, collection_id,
       count(*) AS plays, count(*) FILTER (WHERE completed) AS completed_plays,
       coalesce(sum(CASE WHEN duration >= 0 THEN duration END), 0) AS total_duration_s
FROM activity_exits
GROUP BY ALL;
