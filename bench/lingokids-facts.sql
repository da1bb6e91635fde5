-- The Lingokids tables as scripts/engagement.sh keeps them, in DuckDB: the facts (one row per
-- activity_exit event of bench/lingokids-events.sql, run before this file, keyed by event_id: what
-- lets a later load skip the events already counted) and the daily cube computed from them, the same
-- rules as bench/lingokids.sql (which computes the cube alone, from the events). For the bench's second
-- DuckDB row: the cost of keeping the facts, on DuckDB's side.
CREATE TABLE activity_exit_facts (
  event_id VARCHAR NOT NULL PRIMARY KEY, date DATE NOT NULL, country VARCHAR, os_name VARCHAR, os_version VARCHAR,
  app_version VARCHAR, subscription_status VARCHAR, activity_id VARCHAR, activity_type VARCHAR, activity_subtype VARCHAR,
  collection_id VARCHAR, completed INTEGER NOT NULL, duration_s DOUBLE);
INSERT INTO activity_exit_facts
SELECT event_id, CAST(occurred_at AS DATE), country, os_name, os_version, app_version, subscription_status,
       activity_id, activity_type, activity_subtype, collection_id, CASE WHEN completed THEN 1 ELSE 0 END, duration
FROM activity_exits;
CREATE TABLE activity_engagement_daily AS
SELECT strftime(date, '%Y-%m-%d') AS date, country, os_name, os_version, app_version, subscription_status,
       activity_id, activity_type, activity_subtype, collection_id,
       count(*) AS plays, sum(completed) AS completed_plays, coalesce(sum(CASE WHEN duration_s >= 0 THEN duration_s END), 0) AS total_duration_s
FROM activity_exit_facts
GROUP BY ALL;
