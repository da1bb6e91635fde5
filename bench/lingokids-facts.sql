-- The Lingokids tables as scripts/engagement.sh keeps them, in DuckDB: the facts (one row per
-- activity_exit event, keyed by event_id: what lets a later load skip the events already counted) and
-- the daily cube computed from them, the same rules as bench/lingokids.sql (which computes the cube
-- alone, from the events). For the bench's second DuckDB row: the cost of keeping the facts, on
-- DuckDB's side. {{EVENTS}}, {{USERS}}, {{ACTIVITIES}}: the inputs.
SET TimeZone = 'UTC';
CREATE TABLE activity_exit_facts (
  event_id VARCHAR NOT NULL PRIMARY KEY, date DATE NOT NULL, country VARCHAR, os_name VARCHAR, os_version VARCHAR,
  app_version VARCHAR, subscription_status VARCHAR, activity_id VARCHAR, activity_type VARCHAR, activity_subtype VARCHAR,
  collection_id VARCHAR, completed INTEGER NOT NULL, duration_s DOUBLE);
INSERT INTO activity_exit_facts
WITH ev AS (
  SELECT DISTINCT ON (event_id) *
  FROM read_json('{{EVENTS}}', format = 'newline_delimited',
    columns = {event_id: 'VARCHAR', name: 'VARCHAR', occurred_at: 'TIMESTAMP', user_id: 'VARCHAR',
               data: 'STRUCT(activity_id VARCHAR, duration DOUBLE, completed BOOLEAN, collection_id VARCHAR)',
               context: 'STRUCT(os STRUCT(name VARCHAR, version VARCHAR), app STRUCT(version VARCHAR))'})
), users AS (
  SELECT * FROM read_json('{{USERS}}', format = 'newline_delimited',
    columns = {user_id: 'VARCHAR', country_code: 'VARCHAR', registration_at: 'TIMESTAMP', trial_start_at: 'TIMESTAMP',
               trial_end_at: 'TIMESTAMP', subscription_start_at: 'TIMESTAMP', subscription_expire_at: 'TIMESTAMP'})
), activities AS (
  SELECT * FROM read_json('{{ACTIVITIES}}', columns = {activity_id: 'VARCHAR', type: 'VARCHAR', subtype: 'VARCHAR'})
)
SELECT e.event_id, CAST(e.occurred_at AS DATE) AS date, u.country_code AS country,
       e.context.os.name AS os_name, e.context.os.version AS os_version, e.context.app.version AS app_version,
       CASE WHEN u.registration_at IS NULL THEN NULL
            WHEN e.occurred_at >= u.subscription_expire_at THEN 'lapsed'
            WHEN e.occurred_at >= u.subscription_start_at THEN 'subscribed'
            WHEN e.occurred_at >= u.trial_end_at AND u.subscription_start_at IS NULL THEN 'lapsed'
            WHEN e.occurred_at >= u.trial_start_at THEN 'trial'
            ELSE 'free' END AS subscription_status,
       e.data.activity_id AS activity_id, a.type AS activity_type, a.subtype AS activity_subtype,
       e.data.collection_id AS collection_id, CASE WHEN e.data.completed THEN 1 ELSE 0 END AS completed,
       e.data.duration AS duration_s
FROM ev e
LEFT JOIN users u ON u.user_id = e.user_id
LEFT JOIN activities a ON a.activity_id = e.data.activity_id
WHERE e.name = 'activity_exit';
CREATE TABLE activity_engagement_daily AS
SELECT strftime(date, '%Y-%m-%d') AS date, country, os_name, os_version, app_version, subscription_status,
       activity_id, activity_type, activity_subtype, collection_id,
       count(*) AS plays, sum(completed) AS completed_plays, coalesce(sum(duration_s), 0) AS total_duration_s
FROM activity_exit_facts
GROUP BY ALL;
