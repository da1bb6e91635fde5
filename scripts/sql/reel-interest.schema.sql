CREATE TABLE IF NOT EXISTS reel_interest (
    user_uid      TEXT    NOT NULL,
    reel_uid      TEXT    NOT NULL,
    liked         BOOLEAN NOT NULL,
    unliked       BOOLEAN NOT NULL,
    watched_ratio REAL,
    is_interested BOOLEAN NOT NULL,
    PRIMARY KEY (user_uid, reel_uid)
) WITHOUT ROWID;
