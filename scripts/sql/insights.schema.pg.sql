-- Insights tables, PostgreSQL form of insights.schema.sql (insights.sh --pg): DOUBLE PRECISION is DOUBLE PRECISION
-- (PostgreSQL's DOUBLE PRECISION has 4 bytes), sums of milliseconds BIGINT, views CREATE OR REPLACE. Runs that start
-- at once on a new database create the tables one after the other (the lock ends with --schema's transaction).
SELECT pg_advisory_xact_lock(hashtext('event-pipes insights schema'));
CREATE TABLE IF NOT EXISTS dau (date DATE PRIMARY KEY, active_users INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mau (month TEXT PRIMARY KEY, active_users INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS power_users (user_id TEXT PRIMARY KEY, total_duration_ms BIGINT NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS retention (cohort_week DATE NOT NULL, week_offset INTEGER NOT NULL, cohort_size INTEGER NOT NULL,
  retained_users INTEGER NOT NULL, retention_rate DOUBLE PRECISION NOT NULL, PRIMARY KEY (cohort_week, week_offset));
CREATE TABLE IF NOT EXISTS app_version_p95 (app_version TEXT PRIMARY KEY, n INTEGER NOT NULL, p95_duration_ms DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS stage_stats (run_at TEXT, tool TEXT, records_in INTEGER, records_out INTEGER, rejected INTEGER,
  reasons TEXT, counters TEXT, elapsed_s DOUBLE PRECISION, bytes_in BIGINT, argv TEXT);
CREATE TABLE IF NOT EXISTS dau_anomalies (date DATE PRIMARY KEY, active_users INTEGER, baseline_median DOUBLE PRECISION, baseline_mad DOUBLE PRECISION, score DOUBLE PRECISION, anomaly INTEGER);
CREATE TABLE IF NOT EXISTS device_performance (device_type TEXT PRIMARY KEY, n INTEGER, mean_duration_ms DOUBLE PRECISION, p50_duration_ms DOUBLE PRECISION,
  p95_duration_ms DOUBLE PRECISION, sum_duration_ms DOUBLE PRECISION, sumsq_duration_ms DOUBLE PRECISION);
-- eta squared: the share of the variance of duration_ms explained by the device type (0: none, 1: all)
CREATE OR REPLACE VIEW device_performance_effect AS
WITH t AS (SELECT sum(n) AS n, sum(sum_duration_ms) AS s, sum(sumsq_duration_ms) AS ss FROM device_performance)
SELECT (SELECT sum(d.n * (d.mean_duration_ms - t.s / t.n) * (d.mean_duration_ms - t.s / t.n)) FROM device_performance d) / (t.ss - t.s * t.s / t.n) AS eta_squared,
       t.n AS n FROM t;
CREATE TABLE IF NOT EXISTS session_metrics (all_users TEXT PRIMARY KEY, sessions INTEGER, users INTEGER, sessions_per_user DOUBLE PRECISION,
  avg_duration_s DOUBLE PRECISION, p50_duration_s DOUBLE PRECISION, p95_duration_s DOUBLE PRECISION, avg_actions_per_session DOUBLE PRECISION);
