-- Game user stats (Nordeus) for PostgreSQL: the tables and state of game.schema.sql (SQLite's; its
-- comments say what each one is for), in PostgreSQL's types. Where SQLite declares an id column
-- without a type (kept exactly as loaded: the string "7" and the number 7 differ, 64-bit integers
-- exact), PostgreSQL keeps it as JSONB, which does the same; the three tables hold ids as TEXT
-- (id #>> '{}': a string's text, a number's digits), as SQLite's CAST(id AS TEXT) does.
-- Loads that start at once on a new database create the tables one after the other (two CREATE TABLE
-- IF NOT EXISTS of one table at the same moment can fail in PostgreSQL). The lock ends with --schema's transaction.
SELECT pg_advisory_xact_lock(hashtext('event-pipes game schema'));
CREATE TABLE IF NOT EXISTS registration_data (
    user_id                          TEXT PRIMARY KEY,
    country                          TEXT NOT NULL,
    registration_date_local_timezone TEXT NOT NULL,   -- 'YYYY-MM-DD HH:MM:SS' in the country's zone
    registration_date_utc            TEXT NOT NULL,
    device                           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_data (
    user_id            TEXT   NOT NULL,
    date               DATE   NOT NULL,              -- UTC date the session started
    session_count      BIGINT NOT NULL,
    time_spent_in_game BIGINT NOT NULL,              -- seconds: last ping - first ping, summed
    PRIMARY KEY (user_id, date)
);
CREATE TABLE IF NOT EXISTS match_data (
    user_id           TEXT   NOT NULL,
    date              DATE   NOT NULL,               -- UTC date the match started
    total_duration    BIGINT NOT NULL,               -- seconds in matches that started that day
    total_points_home BIGINT NOT NULL,
    total_points_away BIGINT NOT NULL,
    PRIMARY KEY (user_id, date)
);
CREATE INDEX IF NOT EXISTS session_data_by_date ON session_data (date);
CREATE INDEX IF NOT EXISTS match_data_by_date ON match_data (date);

-- ---- state kept for later loads ------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS game_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS game_events (event_id BIGINT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS game_registrations (
    user_id         JSONB PRIMARY KEY,
    event_timestamp BIGINT NOT NULL,
    event_id        BIGINT NOT NULL,
    country         TEXT NOT NULL,
    device_os       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS game_sessions (
    user_id       JSONB NOT NULL,
    session_start BIGINT NOT NULL,
    session_end   BIGINT NOT NULL,
    pings         BIGINT NOT NULL,
    PRIMARY KEY (user_id, session_start)
);
CREATE TABLE IF NOT EXISTS game_match_events (
    match_id          JSONB NOT NULL,
    event_id          BIGINT NOT NULL,
    event_timestamp   BIGINT NOT NULL,
    home_user_id      JSONB NOT NULL,
    away_user_id      JSONB NOT NULL,
    home_goals_scored JSONB,                         -- as loaded (any JSON number exact), or NULL
    away_goals_scored JSONB,
    PRIMARY KEY (match_id, event_id)
);
CREATE TABLE IF NOT EXISTS game_match_waiting (
    user_id  JSONB NOT NULL,
    match_id JSONB NOT NULL,
    PRIMARY KEY (user_id, match_id)
);
CREATE TABLE IF NOT EXISTS game_match_points (
    match_id    JSONB NOT NULL,
    side        TEXT NOT NULL,
    user_id     JSONB NOT NULL,
    match_start BIGINT NOT NULL,
    duration_s  BIGINT NOT NULL,
    points_home BIGINT NOT NULL,
    points_away BIGINT NOT NULL,
    PRIMARY KEY (match_id, side)
);
CREATE INDEX IF NOT EXISTS game_match_points_by_user ON game_match_points (user_id);

-- ---- scratch of one load (empty between loads) -----------------------------------------------------
CREATE TABLE IF NOT EXISTS game_stage_keys (
    event_id     BIGINT PRIMARY KEY,
    event_type   TEXT,
    user_id      JSONB,
    match_id     JSONB,
    home_user_id JSONB,
    away_user_id JSONB
);
CREATE TABLE IF NOT EXISTS game_stage_rows (
    user_id JSONB, event_timestamp BIGINT, event_id BIGINT, country TEXT, device_os TEXT, timezone TEXT,
    registration_date_local_timezone TEXT,
    session_start BIGINT, session_end BIGINT, duration_s BIGINT, pings BIGINT,
    match_id JSONB, home_user_id JSONB, away_user_id JSONB, home_goals_scored JSONB, away_goals_scored JSONB,
    side TEXT, match_start BIGINT, points_home BIGINT, points_away BIGINT,
    setting TEXT, value TEXT
);

-- What a load reads of the state (scripts/game-stats.sh, after staging its keys):
CREATE OR REPLACE VIEW game_stage_new AS
    SELECT * FROM game_stage_keys k WHERE NOT EXISTS (SELECT 1 FROM game_events e WHERE e.event_id = k.event_id);
CREATE OR REPLACE VIEW game_stage_matches AS
    SELECT match_id FROM game_stage_new WHERE event_type = 'match' AND match_id IS NOT NULL
    UNION
    SELECT w.match_id FROM game_match_waiting w
    WHERE w.user_id IN (SELECT user_id FROM game_stage_new WHERE event_type = 'registration');
CREATE OR REPLACE VIEW game_stage_match_events AS
    SELECT event_id, event_timestamp, match_id, home_user_id, away_user_id, home_goals_scored, away_goals_scored
    FROM game_match_events WHERE match_id IN (SELECT match_id FROM game_stage_matches);
CREATE OR REPLACE VIEW game_stage_users AS
    SELECT user_id FROM game_stage_new
    UNION SELECT home_user_id FROM game_stage_new
    UNION SELECT away_user_id FROM game_stage_new
    UNION SELECT home_user_id FROM game_stage_match_events
    UNION SELECT away_user_id FROM game_stage_match_events;
