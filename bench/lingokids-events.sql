-- The Lingokids activity_exit events as scripts/engagement.sh reads them (docs/recipes/engagement.md),
-- for bench/lingokids.sql and bench/lingokids-facts.sql (run after this file: duckdb-run.mjs takes
-- several SQL files): name = activity_exit, deduplicated by event_id (the generator's repeats are exact
-- copies, so which copy is kept does not matter), left joins to users (on user_id) and
-- activities (on data.activity_id), the subscription status at the event's time (a state begins at
-- its timestamp; a trial that ended is lapsed until a subscription starts, if one does; unknown user: NULL).
-- {{EVENTS}}, {{USERS}}, {{ACTIVITIES}}: the inputs.
SET TimeZone = 'UTC';
CREATE TEMP VIEW activity_exits AS
WITH ev AS (
  SELECT DISTINCT ON (event_id) *
  FROM read_json('{{EVENTS}}', format = 'newline_delimited',
    columns = {event_id: 'VARCHAR', name: 'VARCHAR', occurred_at: 'TIMESTAMP', user_id: 'VARCHAR',
               data: 'STRUCT(activity_id VARCHAR, duration DOUBLE, completed BOOLEAN, collection_id VARCHAR)',
               context: 'STRUCT(os STRUCT(name VARCHAR, version VARCHAR), app STRUCT(version VARCHAR))'})
  WHERE name = 'activity_exit'
), users AS (
  SELECT * FROM read_json('{{USERS}}', format = 'newline_delimited',
    columns = {user_id: 'VARCHAR', country_code: 'VARCHAR', registration_at: 'TIMESTAMP', trial_start_at: 'TIMESTAMP',
               trial_end_at: 'TIMESTAMP', subscription_start_at: 'TIMESTAMP', subscription_expire_at: 'TIMESTAMP'})
), activities AS (
  SELECT * FROM read_json('{{ACTIVITIES}}', columns = {activity_id: 'VARCHAR', type: 'VARCHAR', subtype: 'VARCHAR'})
)
SELECT e.event_id, e.occurred_at, u.country_code AS country,
       e.context.os.name AS os_name, e.context.os.version AS os_version, e.context.app.version AS app_version,
       CASE WHEN u.registration_at IS NULL THEN NULL
            WHEN e.occurred_at >= u.subscription_expire_at THEN 'lapsed'
            WHEN e.occurred_at >= u.subscription_start_at THEN 'subscribed'
            WHEN e.occurred_at >= u.trial_end_at THEN 'lapsed'
            WHEN e.occurred_at >= u.trial_start_at THEN 'trial'
            ELSE 'free' END AS subscription_status,
       e.data.activity_id AS activity_id, a.type AS activity_type, a.subtype AS activity_subtype,
       e.data.collection_id AS collection_id, e.data.completed AS completed, e.data.duration AS duration
FROM ev e
LEFT JOIN users u ON u.user_id = e.user_id
LEFT JOIN activities a ON a.activity_id = e.data.activity_id;
