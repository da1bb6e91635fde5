-- Lingokids engagement (PostgreSQL; engagement.schema.sql is SQLite's, and says what each table is).
-- REAL is DOUBLE PRECISION here (PostgreSQL's REAL has 4 bytes, SQLite's 8); the rollups are views.
-- Loads that start at once on a new database create the tables one after the other (the lock ends
-- with --schema's transaction).
SELECT pg_advisory_xact_lock(hashtext('event-pipes engagement schema'));

CREATE TABLE IF NOT EXISTS activity_exit_facts (
    event_id            TEXT    NOT NULL PRIMARY KEY,
    date                DATE    NOT NULL,
    country             TEXT,
    os_name             TEXT,
    os_version          TEXT,
    app_version         TEXT,
    subscription_status TEXT,
    activity_id         TEXT,
    activity_type       TEXT,
    activity_subtype    TEXT,
    collection_id       TEXT,
    completed           INTEGER NOT NULL,
    duration_s          DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS activity_exit_facts_by_date ON activity_exit_facts (date);

CREATE TABLE IF NOT EXISTS activity_exit_dirty_dates (date DATE NOT NULL PRIMARY KEY);
-- (marked by engagement.sh's post-load SQL; earlier versions' trigger per fact is dropped)
DROP TRIGGER IF EXISTS activity_exit_facts_dirty ON activity_exit_facts;
DROP FUNCTION IF EXISTS activity_exit_facts_dirty();

CREATE TABLE IF NOT EXISTS engagement_settings (
    setting TEXT NOT NULL PRIMARY KEY,
    value   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS activity_engagement_daily (
    date                DATE    NOT NULL,
    country             TEXT,
    os_name             TEXT,
    os_version          TEXT,
    app_version         TEXT,
    subscription_status TEXT,
    activity_id         TEXT,
    activity_type       TEXT,
    activity_subtype    TEXT,
    collection_id       TEXT,
    plays               INTEGER NOT NULL,
    completed_plays     INTEGER NOT NULL,
    total_duration_s    DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_engagement_daily_by_date ON activity_engagement_daily (date);

-- The rollups sum the daily durations as whole microseconds (integer-valued doubles: exact below 2^53 us, no overflow), as the refresh does:
-- the same figures in SQLite and PostgreSQL.
CREATE OR REPLACE VIEW activity_engagement_weekly AS
SELECT date_trunc('week', date)::date AS period_start,  -- ISO week: Monday
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, sum(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

CREATE OR REPLACE VIEW activity_engagement_monthly AS
SELECT date_trunc('month', date)::date AS period_start,
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, sum(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

CREATE OR REPLACE VIEW activity_engagement_yearly AS
SELECT date_trunc('year', date)::date AS period_start,
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, sum(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

CREATE OR REPLACE VIEW activity_top AS
SELECT activity_id, activity_type, activity_subtype,
       sum(plays) AS plays, sum(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s,
       rank() OVER (ORDER BY sum(plays) DESC) AS rank_by_plays,
       rank() OVER (ORDER BY sum(floor(total_duration_s * 1000000 + 0.5)) / 1000000 DESC) AS rank_by_duration
FROM activity_engagement_daily GROUP BY activity_id, activity_type, activity_subtype;

CREATE OR REPLACE VIEW activity_completion_daily AS
SELECT date, activity_type, sum(plays) AS plays, sum(completed_plays) AS completed_plays,
       CAST(sum(completed_plays) AS DOUBLE PRECISION) / sum(plays) AS completion_rate
FROM activity_engagement_daily GROUP BY date, activity_type;
