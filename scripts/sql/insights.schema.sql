-- Insights tables (meanings in docs and README): all recomputed by each run of scripts/insights.sh.
CREATE TABLE IF NOT EXISTS dau (date DATE PRIMARY KEY, active_users INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mau (month TEXT PRIMARY KEY, active_users INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS power_users (user_id TEXT PRIMARY KEY, total_duration_ms INTEGER NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS retention (cohort_week DATE NOT NULL, week_offset INTEGER NOT NULL, cohort_size INTEGER NOT NULL,
  retained_users INTEGER NOT NULL, retention_rate REAL NOT NULL, PRIMARY KEY (cohort_week, week_offset));
CREATE TABLE IF NOT EXISTS app_version_p95 (app_version TEXT PRIMARY KEY, n INTEGER NOT NULL, p95_duration_ms REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stage_stats (run_at TEXT, tool TEXT, records_in INTEGER, records_out INTEGER, rejected INTEGER,
  reasons TEXT, counters TEXT, elapsed_s REAL, bytes_in INTEGER, argv TEXT);
CREATE TABLE IF NOT EXISTS dau_anomalies (date DATE PRIMARY KEY, active_users INTEGER, baseline_median REAL, baseline_mad REAL, score REAL, anomaly INTEGER);
CREATE TABLE IF NOT EXISTS device_performance (device_type TEXT PRIMARY KEY, n INTEGER, mean_duration_ms REAL, p50_duration_ms REAL,
  p95_duration_ms REAL, sum_duration_ms REAL, sumsq_duration_ms REAL);
-- eta squared: the share of the variance of duration_ms explained by the device type (0: none, 1: all)
CREATE VIEW IF NOT EXISTS device_performance_effect AS
WITH t AS (SELECT sum(n) AS n, sum(sum_duration_ms) AS s, sum(sumsq_duration_ms) AS ss FROM device_performance)
SELECT (SELECT sum(d.n * (d.mean_duration_ms - t.s / t.n) * (d.mean_duration_ms - t.s / t.n)) FROM device_performance d) / (t.ss - t.s * t.s / t.n) AS eta_squared,
       t.n AS n FROM t;
CREATE TABLE IF NOT EXISTS session_metrics (all_users TEXT PRIMARY KEY, sessions INTEGER, users INTEGER, sessions_per_user REAL,
  avg_duration_s REAL, p50_duration_s REAL, p95_duration_s REAL, avg_actions_per_session REAL);
