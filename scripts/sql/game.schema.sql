-- Game user stats (Nordeus): per-user daily aggregates, as in the challenge's data model, plus the state
-- that makes loads incremental (scripts/game-stats.sh; docs/recipes/game-stats.md "Incremental loads").
-- The three tables are always a function of the state tables below, recomputed for the keys a load
-- touches, so any split of the events, loaded in any order, with repeats, gives the tables of one load.
CREATE TABLE IF NOT EXISTS registration_data (
    user_id                          TEXT PRIMARY KEY,
    country                          TEXT NOT NULL,
    registration_date_local_timezone TEXT NOT NULL,   -- 'YYYY-MM-DD HH:MM:SS' in the country's zone
    registration_date_utc            TEXT NOT NULL,
    device                           TEXT NOT NULL
) WITHOUT ROWID;
-- stats-api finds a UUID asked for in another case by this index (a scan of every user per unknown id
-- without it; the recipe stores ids as loaded)
CREATE INDEX IF NOT EXISTS registration_data_user_nocase ON registration_data (user_id COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS session_data (
    user_id            TEXT    NOT NULL,
    date               DATE    NOT NULL,             -- UTC date the session started
    session_count      INTEGER NOT NULL,
    time_spent_in_game INTEGER NOT NULL,             -- seconds: last ping - first ping, summed
    PRIMARY KEY (user_id, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_data (
    user_id           TEXT    NOT NULL,
    date              DATE    NOT NULL,              -- UTC date the match started
    total_duration    INTEGER NOT NULL,              -- seconds in matches that started that day
    total_points_home INTEGER NOT NULL,
    total_points_away INTEGER NOT NULL,
    PRIMARY KEY (user_id, date)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS session_data_by_date ON session_data (date);
CREATE INDEX IF NOT EXISTS match_data_by_date ON match_data (date);

-- ---- state kept for later loads ------------------------------------------------------------------
-- Id columns are declared without a type (no affinity): a value is kept exactly as loaded, so the
-- string "7" and the number 7 stay different ids, as in the JSON, and 64-bit integers stay exact.

-- The options the state was built with (gap, season_start, season_end) and the SHA-256 of the
-- timezones file: a load with other ones is refused (the stored sessions and rejections depend on them).
CREATE TABLE IF NOT EXISTS game_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

-- Every integer event_id loaded (valid event or not): a later delivery of it is a duplicate, as a second
-- delivery within one load is. ~10-15 bytes an event.
CREATE TABLE IF NOT EXISTS game_events (event_id INTEGER PRIMARY KEY);

-- The registration that counts for each user: the earliest valid one (event_timestamp, then event_id).
CREATE TABLE IF NOT EXISTS game_registrations (
    user_id         PRIMARY KEY,
    event_timestamp INTEGER NOT NULL,
    event_id        INTEGER NOT NULL,
    country         TEXT NOT NULL,
    device_os       TEXT NOT NULL
) WITHOUT ROWID;

-- Sessions of every user with pings, registered or not yet: maximal stretches of pings with gaps of
-- at most --gap seconds (sessionize). A new ping merges the stretches within the gap on either side,
-- so the set is the same whatever order the pings came in. session_data counts the registered users'.
CREATE TABLE IF NOT EXISTS game_sessions (
    user_id       NOT NULL,
    session_start INTEGER NOT NULL,
    session_end   INTEGER NOT NULL,
    pings         INTEGER NOT NULL,
    PRIMARY KEY (user_id, session_start)
) WITHOUT ROWID;

-- Every match event with a match id and both player ids (finished, unfinished or broken): a later
-- event of the match (its finish, or a third event that breaks it) is judged with them by match-points.
CREATE TABLE IF NOT EXISTS game_match_events (
    match_id          NOT NULL,
    event_id          INTEGER NOT NULL,
    event_timestamp   INTEGER NOT NULL,
    home_user_id      NOT NULL,
    away_user_id      NOT NULL,
    home_goals_scored,
    away_goals_scored,
    PRIMARY KEY (match_id, event_id)
) WITHOUT ROWID;

-- Matches with a stored event of a player who has no registration yet: when it arrives, they are
-- scored again.
CREATE TABLE IF NOT EXISTS game_match_waiting (
    user_id  NOT NULL,
    match_id NOT NULL,
    PRIMARY KEY (user_id, match_id)
) WITHOUT ROWID;

-- The scored matches (match-points' output, two rows a match): match_data sums them per user and day.
CREATE TABLE IF NOT EXISTS game_match_points (
    match_id    NOT NULL,
    side        TEXT NOT NULL,
    user_id     NOT NULL,
    match_start INTEGER NOT NULL,
    duration_s  INTEGER NOT NULL,
    points_home INTEGER NOT NULL,
    points_away INTEGER NOT NULL,
    PRIMARY KEY (match_id, side)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS game_match_points_by_user ON game_match_points (user_id);

-- ---- scratch of one load (empty between loads) -----------------------------------------------------
-- The keys of the load's lines (event id, type, user, match, players), read from the files before
-- anything else: they say what the load needs of the state.
CREATE TABLE IF NOT EXISTS game_stage_keys (
    event_id     INTEGER PRIMARY KEY,
    event_type,
    user_id,
    match_id,
    home_user_id,
    away_user_id
);
-- The load's results, applied in one transaction by game.apply.sql. One row kind per marker column:
-- registration_date_local_timezone (the registration that counts for a user), session_start (one of
-- the sessions of a user with new pings), match_id without side (an event of a match scored again),
-- side (a scored match: one row a player), setting (an option the state is built with).
CREATE TABLE IF NOT EXISTS game_stage_rows (
    user_id, event_timestamp, event_id, country, device_os, timezone, registration_date_local_timezone,
    session_start, session_end, duration_s, pings,
    match_id, home_user_id, away_user_id, home_goals_scored, away_goals_scored,
    side, match_start, points_home, points_away,
    setting, value
);

-- What a load reads of the state (scripts/game-stats.sh, after staging its keys):
DROP VIEW IF EXISTS game_stage_new;
DROP VIEW IF EXISTS game_stage_matches;
DROP VIEW IF EXISTS game_stage_match_events;
DROP VIEW IF EXISTS game_stage_users;
-- the load's events that no earlier load stored
CREATE VIEW game_stage_new AS
    SELECT * FROM game_stage_keys k WHERE NOT EXISTS (SELECT 1 FROM game_events e WHERE e.event_id = k.event_id);
-- the matches to score again: those with a new event, and those waiting for a user who registers now
CREATE VIEW game_stage_matches AS
    SELECT match_id FROM game_stage_new WHERE event_type = 'match' AND match_id IS NOT NULL
    UNION
    SELECT w.match_id FROM game_match_waiting w
    WHERE w.user_id IN (SELECT user_id FROM game_stage_new WHERE event_type = 'registration');
-- their stored events
CREATE VIEW game_stage_match_events AS
    SELECT event_id, event_timestamp, match_id, home_user_id, away_user_id, home_goals_scored, away_goals_scored
    FROM game_match_events WHERE match_id IN (SELECT match_id FROM game_stage_matches);
-- the users whose stored registration the load needs
CREATE VIEW game_stage_users AS
    SELECT user_id FROM game_stage_new
    UNION SELECT home_user_id FROM game_stage_new
    UNION SELECT away_user_id FROM game_stage_new
    UNION SELECT home_user_id FROM game_stage_match_events
    UNION SELECT away_user_id FROM game_stage_match_events;
