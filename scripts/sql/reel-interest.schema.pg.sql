-- Loco clip interest (PostgreSQL; reel-interest.schema.sql is SQLite's). watched_ratio is DOUBLE
-- PRECISION: SQLite's REAL is 8 bytes, PostgreSQL's REAL only 4.
-- Loads that start at once on a new database create the tables one after the other (two CREATE TABLE
-- IF NOT EXISTS of one table at the same moment can fail in PostgreSQL). The lock ends with --schema's transaction.
SELECT pg_advisory_xact_lock(hashtext('event-pipes reel-interest schema'));
CREATE TABLE IF NOT EXISTS reel_interest (
    user_uid      TEXT    NOT NULL,
    reel_uid      TEXT    NOT NULL,
    liked         BOOLEAN NOT NULL,
    unliked       BOOLEAN NOT NULL,
    watched_ratio DOUBLE PRECISION,
    is_interested BOOLEAN NOT NULL,
    PRIMARY KEY (user_uid, reel_uid)
);
