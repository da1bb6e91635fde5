-- The Insights tables in DuckDB, the same definitions as scripts/insights.sh (docs/recipes/insights.md),
-- each a table in a DuckDB database file: dau, mau, power_users (top 1% of active users by total
-- duration_ms, ceil(1% of them), ties by user_id), retention (weekly cohorts by the ISO week of a user's
-- first interaction, those of the 26 weeks up to the last week in the data, every offset up to the last
-- week, zeros included), app_version_p95 (page views; numpy's linear p95 = quantile_cont),
-- device_performance (the first metadata row of a repeated user_id wins; users without metadata left
-- out) and session_metrics (a gap of more than 1800 s between a user's interactions starts a session).
-- {{DIR}}: the generate-insights folder (interactions/*.csv, user_metadata.csv).
SET TimeZone = 'UTC';
CREATE TEMP TABLE ia AS
SELECT user_id, timestamp AS ts, CAST(timestamp AS DATE) AS d, action_type, duration_ms, app_version
FROM read_csv('{{DIR}}/interactions/*.csv', header = true,
  columns = {user_id: 'VARCHAR', timestamp: 'TIMESTAMP', action_type: 'VARCHAR', page_id: 'VARCHAR',
             duration_ms: 'BIGINT', app_version: 'VARCHAR'});

CREATE TABLE dau AS SELECT strftime(d, '%Y-%m-%d') AS date, count(DISTINCT user_id) AS active_users FROM ia GROUP BY 1;
CREATE TABLE mau AS SELECT strftime(d, '%Y-%m') AS month, count(DISTINCT user_id) AS active_users FROM ia GROUP BY 1;

CREATE TABLE power_users AS
WITH t AS (SELECT user_id, sum(duration_ms) AS total_duration_ms FROM ia GROUP BY 1)
SELECT user_id, total_duration_ms, row_number() OVER (ORDER BY total_duration_ms DESC, user_id) AS rank
FROM t QUALIFY rank <= ceil((SELECT count(*) FROM t) / 100);

CREATE TABLE retention AS
WITH uw AS (SELECT DISTINCT user_id, CAST(date_trunc('week', d) AS DATE) AS w FROM ia),
first AS (SELECT user_id, min(w) AS c FROM uw GROUP BY 1),
bounds AS (SELECT max(w) AS last_week, max(w) - 7 * 25 AS since FROM uw),
sizes AS (SELECT c, count(*) AS n FROM first GROUP BY 1),
kept AS (SELECT f.c, (uw.w - f.c) // 7 AS k, count(*) AS r FROM uw JOIN first f USING (user_id) GROUP BY ALL)
SELECT strftime(s.c, '%Y-%m-%d') AS cohort_week, g.k AS week_offset, s.n AS cohort_size,
       coalesce(kept.r, 0) AS retained_users, coalesce(kept.r, 0) / s.n AS retention_rate
FROM sizes s CROSS JOIN bounds b
CROSS JOIN LATERAL (SELECT unnest(range(0, (b.last_week - s.c) // 7 + 1)) AS k) g
LEFT JOIN kept ON kept.c = s.c AND kept.k = g.k
WHERE s.c >= b.since;

CREATE TABLE app_version_p95 AS
SELECT app_version, count(duration_ms) AS n, quantile_cont(duration_ms, 0.95) AS p95_duration_ms
FROM ia WHERE action_type = 'page_view' GROUP BY 1;

CREATE TABLE device_performance AS
WITH meta AS (
  SELECT user_id, arg_min(device_type, rn) AS device_type
  FROM (SELECT user_id, device_type, row_number() OVER () AS rn
        FROM read_csv('{{DIR}}/user_metadata.csv', header = true,
          columns = {user_id: 'VARCHAR', join_date: 'DATE', country: 'VARCHAR', device_type: 'VARCHAR', subscription_type: 'VARCHAR'}))
  GROUP BY 1)
SELECT device_type, count(duration_ms) AS n, avg(duration_ms) AS mean_duration_ms, quantile_cont(duration_ms, 0.5) AS p50_duration_ms,
       quantile_cont(duration_ms, 0.95) AS p95_duration_ms, sum(duration_ms) AS sum_duration_ms,
       sum(duration_ms * duration_ms) AS sumsq_duration_ms
FROM ia JOIN meta USING (user_id) GROUP BY 1;

CREATE TABLE session_metrics AS
WITH gaps AS (
  SELECT user_id, ts, CASE WHEN epoch(ts) - epoch(lag(ts) OVER (PARTITION BY user_id ORDER BY ts)) > 1800 THEN 1 ELSE 0 END AS starts
  FROM ia
), numbered AS (
  SELECT user_id, ts, sum(starts) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS session FROM gaps
), sessions AS (
  SELECT user_id, epoch(max(ts)) - epoch(min(ts)) AS duration_s, count(*) AS pings FROM numbered GROUP BY user_id, session
)
SELECT 'all' AS all_users, count(*) AS sessions, count(DISTINCT user_id) AS users,
       count(*) / count(DISTINCT user_id) AS sessions_per_user, avg(duration_s) AS avg_duration_s,
       quantile_cont(duration_s, 0.5) AS p50_duration_s, quantile_cont(duration_s, 0.95) AS p95_duration_s,
       avg(pings) AS avg_actions_per_session
FROM sessions;
