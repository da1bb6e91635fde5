-- game.apply.sql for PostgreSQL (the same steps; its comments say why each one is there): run by
-- load-postgres in the transaction that loaded a game-stats load's results into game_stage_rows.
-- Ids are JSONB in the state (7 and "7" differ, as in JSON); the three tables hold them as TEXT:
-- id #>> '{}' is a string's text or a number's digits, as SQLite's CAST(id AS TEXT). Dates: UTC.

-- 0. the options the state is built with
INSERT INTO game_settings (name, value)
    SELECT setting, value FROM game_stage_rows WHERE setting IS NOT NULL
    ON CONFLICT (name) DO NOTHING;

-- 1. every event id of the load is now seen
INSERT INTO game_events (event_id) SELECT event_id FROM game_stage_keys ON CONFLICT DO NOTHING;

-- 2. registrations
DROP TABLE IF EXISTS pg_temp.registered_now;
CREATE TEMP TABLE registered_now AS
    SELECT s.user_id FROM game_stage_rows s LEFT JOIN game_registrations r ON r.user_id = s.user_id
    WHERE s.registration_date_local_timezone IS NOT NULL AND r.event_id IS DISTINCT FROM s.event_id;
INSERT INTO game_registrations (user_id, event_timestamp, event_id, country, device_os)
    SELECT user_id, event_timestamp, event_id, country, device_os FROM game_stage_rows
    WHERE registration_date_local_timezone IS NOT NULL AND user_id IN (SELECT user_id FROM pg_temp.registered_now)
    ON CONFLICT (user_id) DO UPDATE SET event_timestamp = excluded.event_timestamp, event_id = excluded.event_id,
        country = excluded.country, device_os = excluded.device_os;
-- (a numeric id and a string of the same digits are one row here: of the two, the later registration,
-- where SQLite writes both and keeps the one it wrote last; PostgreSQL refuses to upsert a row twice)
INSERT INTO registration_data (user_id, country, registration_date_local_timezone, registration_date_utc, device)
    SELECT DISTINCT ON (user_id #>> '{}') user_id #>> '{}', country, registration_date_local_timezone,
        to_char(to_timestamp(event_timestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), device_os FROM game_stage_rows
    WHERE registration_date_local_timezone IS NOT NULL AND user_id IN (SELECT user_id FROM pg_temp.registered_now)
    ORDER BY user_id #>> '{}', event_timestamp DESC, event_id DESC
    ON CONFLICT (user_id) DO UPDATE SET country = excluded.country,
        registration_date_local_timezone = excluded.registration_date_local_timezone,
        registration_date_utc = excluded.registration_date_utc, device = excluded.device;

-- 3. sessions
DROP TABLE IF EXISTS pg_temp.session_users;
CREATE TEMP TABLE session_users AS
    SELECT user_id FROM game_stage_rows WHERE session_start IS NOT NULL
    UNION SELECT user_id FROM pg_temp.registered_now;
DELETE FROM game_sessions
    WHERE user_id IN (SELECT user_id FROM game_stage_rows WHERE session_start IS NOT NULL);
INSERT INTO game_sessions (user_id, session_start, session_end, pings)
    SELECT user_id, session_start, session_end, pings FROM game_stage_rows WHERE session_start IS NOT NULL;
DELETE FROM session_data WHERE user_id IN (SELECT user_id #>> '{}' FROM pg_temp.session_users);
INSERT INTO session_data (user_id, date, session_count, time_spent_in_game)
    SELECT user_id #>> '{}' AS id, (to_timestamp(session_start) AT TIME ZONE 'UTC')::date AS day, count(*), sum(session_end - session_start)
    FROM game_sessions
    WHERE user_id IN (SELECT user_id FROM pg_temp.session_users)
      AND user_id IN (SELECT user_id FROM game_registrations)
    GROUP BY id, day;

-- 4. matches
DROP TABLE IF EXISTS pg_temp.scored_matches;
CREATE TEMP TABLE scored_matches AS
    SELECT DISTINCT match_id FROM game_stage_rows WHERE match_id IS NOT NULL AND side IS NULL;
INSERT INTO game_match_events
        (match_id, event_id, event_timestamp, home_user_id, away_user_id, home_goals_scored, away_goals_scored)
    SELECT match_id, event_id, event_timestamp, home_user_id, away_user_id, home_goals_scored, away_goals_scored
    FROM game_stage_rows WHERE match_id IS NOT NULL AND side IS NULL
    ON CONFLICT DO NOTHING;
DELETE FROM game_match_waiting WHERE user_id IN (SELECT user_id FROM pg_temp.registered_now);
INSERT INTO game_match_waiting (user_id, match_id)
    SELECT p.user_id, p.match_id FROM (
        SELECT home_user_id AS user_id, match_id FROM game_stage_rows WHERE match_id IS NOT NULL AND side IS NULL
        UNION SELECT away_user_id, match_id FROM game_stage_rows WHERE match_id IS NOT NULL AND side IS NULL) p
    WHERE p.user_id NOT IN (SELECT user_id FROM game_registrations)
    ON CONFLICT DO NOTHING;
DROP TABLE IF EXISTS pg_temp.match_users;
CREATE TEMP TABLE match_users AS
    SELECT user_id FROM game_match_points WHERE match_id IN (SELECT match_id FROM pg_temp.scored_matches)
    UNION SELECT user_id FROM game_stage_rows WHERE side IS NOT NULL;
DELETE FROM game_match_points WHERE match_id IN (SELECT match_id FROM pg_temp.scored_matches);
INSERT INTO game_match_points (match_id, side, user_id, match_start, duration_s, points_home, points_away)
    SELECT match_id, side, user_id, match_start, duration_s, points_home, points_away
    FROM game_stage_rows WHERE side IS NOT NULL;
DELETE FROM match_data WHERE user_id IN (SELECT user_id #>> '{}' FROM pg_temp.match_users);
INSERT INTO match_data (user_id, date, total_duration, total_points_home, total_points_away)
    SELECT user_id #>> '{}' AS id, (to_timestamp(match_start) AT TIME ZONE 'UTC')::date AS day, sum(duration_s), sum(points_home), sum(points_away)
    FROM game_match_points
    WHERE user_id IN (SELECT user_id FROM pg_temp.match_users)
    GROUP BY id, day;

-- 5. the stage is empty between loads
DELETE FROM game_stage_rows;
DELETE FROM game_stage_keys;
