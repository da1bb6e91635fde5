-- Game user stats (Nordeus): per-user daily aggregates, as in the challenge's data model.
CREATE TABLE IF NOT EXISTS registration_data (
    user_id                          TEXT PRIMARY KEY,
    country                          TEXT NOT NULL,
    registration_date_local_timezone TEXT NOT NULL,   -- 'YYYY-MM-DD HH:MM:SS' in the country's zone
    registration_date_utc            TEXT NOT NULL,
    device                           TEXT NOT NULL
) WITHOUT ROWID;
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
