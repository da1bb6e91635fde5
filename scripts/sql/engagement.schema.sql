-- Lingokids engagement. The daily cube (additive measures per day and slice; rollups are views) is
-- derived from an event-grain fact table that later loads need: one row per activity_exit event ever
-- loaded, keyed by event_id, holding the cube's group keys and measures as resolved at load time.

-- The facts, loaded with --on-conflict ignore: an event id already stored is a duplicate (kept as
-- first loaded), so a repeat of a file adds nothing. Stored in (date, event_id) order, the order the
-- recompute reads them in (a date's facts side by side, no lookup per fact: on 882,630 facts of 69
-- days, load and recompute 7.0 -> 5.6 s); the UNIQUE event_id is the key the load's conflicts are on.
-- (Databases made before keep their layout, event_id as the primary key and an index on date: the
-- same statements work on both.)
CREATE TABLE IF NOT EXISTS activity_exit_facts (
    event_id            TEXT    NOT NULL UNIQUE,       -- compared as text: 7 and "7" are one id
    date                DATE    NOT NULL,              -- local day of occurred_at (--tz)
    country             TEXT,
    os_name             TEXT,
    os_version          TEXT,
    app_version         TEXT,
    subscription_status TEXT,
    activity_id         TEXT,
    activity_type       TEXT,
    activity_subtype    TEXT,
    collection_id       TEXT,
    completed           INTEGER NOT NULL,              -- 1 when data.completed is truthy, else 0
    duration_s          REAL,                          -- data.duration; NULL when missing or not a number
    PRIMARY KEY (date, event_id)
) WITHOUT ROWID;

-- The dates that got new facts in the running load: written by engagement.sh's post-load SQL (the
-- load's dates whose number of facts grew: counted before the load, under the load's lock), read and
-- emptied by engagement.refresh.sql in the same transaction (so it is empty between loads).
CREATE TABLE IF NOT EXISTS activity_exit_dirty_dates (date DATE NOT NULL PRIMARY KEY) WITHOUT ROWID;
-- (earlier versions marked them with a trigger run for every fact inserted: ~5 µs a fact, half the
-- facts' insert time; dropped from databases they made)
DROP TRIGGER IF EXISTS activity_exit_facts_dirty;

-- The options the facts were resolved with (tz, input_tz): every load of a database uses the same.
CREATE TABLE IF NOT EXISTS engagement_settings (
    setting TEXT NOT NULL PRIMARY KEY,
    value   TEXT NOT NULL
) WITHOUT ROWID;

-- Lingokids engagement cube: additive measures per day and slice; rollups are views.
CREATE TABLE IF NOT EXISTS activity_engagement_daily (
    date                DATE    NOT NULL,
    country             TEXT,
    os_name             TEXT,
    os_version          TEXT,
    app_version         TEXT,
    subscription_status TEXT,     -- free | trial | subscribed | lapsed at the time of the event; NULL: unknown user
    activity_id         TEXT,
    activity_type       TEXT,     -- NULL: activity not in the catalogue
    activity_subtype    TEXT,
    collection_id       TEXT,
    plays               INTEGER NOT NULL,
    completed_plays     INTEGER NOT NULL,
    total_duration_s    REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_engagement_daily_by_date ON activity_engagement_daily (date);

-- The rollups sum the daily durations as whole microseconds (integer-valued doubles: exact below 2^53 us, no overflow), as the refresh does:
-- the same figures in SQLite and PostgreSQL (views made by earlier versions are replaced).
DROP VIEW IF EXISTS activity_engagement_weekly;
CREATE VIEW activity_engagement_weekly AS
SELECT date(date, '-' || ((CAST(strftime('%w', date) AS INTEGER) + 6) % 7) || ' days') AS period_start,  -- ISO week: Monday
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, total(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

DROP VIEW IF EXISTS activity_engagement_monthly;
CREATE VIEW activity_engagement_monthly AS
SELECT strftime('%Y-%m-01', date) AS period_start,
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, total(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

DROP VIEW IF EXISTS activity_engagement_yearly;
CREATE VIEW activity_engagement_yearly AS
SELECT strftime('%Y-01-01', date) AS period_start,
       country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id,
       sum(plays) AS plays, sum(completed_plays) AS completed_plays, total(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s
FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;

-- most played activities, by count and by total time (over everything loaded; filter the daily table for a period)
DROP VIEW IF EXISTS activity_top;
CREATE VIEW activity_top AS
SELECT activity_id, activity_type, activity_subtype,
       sum(plays) AS plays, total(floor(total_duration_s * 1000000 + 0.5)) / 1000000 AS total_duration_s,
       rank() OVER (ORDER BY sum(plays) DESC) AS rank_by_plays,
       rank() OVER (ORDER BY total(floor(total_duration_s * 1000000 + 0.5)) / 1000000 DESC) AS rank_by_duration
FROM activity_engagement_daily GROUP BY activity_id, activity_type, activity_subtype;

-- completion rate per activity type and day (rates are never summed: they are recomputed from the counts)
DROP VIEW IF EXISTS activity_completion_daily;
CREATE VIEW activity_completion_daily AS
SELECT date, activity_type, sum(plays) AS plays, sum(completed_plays) AS completed_plays,
       CAST(sum(completed_plays) AS REAL) / sum(plays) AS completion_rate
FROM activity_engagement_daily GROUP BY date, activity_type;
