-- Sliide: active users per US/Central day (PostgreSQL; active-users.schema.sql is SQLite's).
-- Loads that start at once on a new database create the tables one after the other (two CREATE TABLE
-- IF NOT EXISTS of one table at the same moment can fail in PostgreSQL). The lock ends with --schema's transaction.
SELECT pg_advisory_xact_lock(hashtext('event-pipes active-users schema'));
CREATE TABLE IF NOT EXISTS active_user_table (
    date              DATE    PRIMARY KEY,
    active_user_count INTEGER NOT NULL
);

-- Side table: one row per (local date, user) ever seen active. Counts are recomputed from it, so a
-- re-run, overlapping files or the rest of a day loaded later give the counts of one load of everything.
CREATE TABLE IF NOT EXISTS active_user_pairs (
    date           DATE NOT NULL,
    user_pseudo_id TEXT NOT NULL,
    PRIMARY KEY (date, user_pseudo_id)
);
