-- game.read.sql for PostgreSQL: what a game-stats load reads of the state, one JSON text a row tagged
-- with the file it goes to, run with query-postgres --format csv. jsonb_build_object writes ids as
-- they were loaded (JSONB) and BIGINTs exactly; a settings row is written compactly by hand, as
-- SQLite's json_object writes it, since game-stats.sh compares those lines as text.
-- settings: the options the state was built with
SELECT 'settings {"setting":' || to_json(name)::text || ',"value":' || to_json(value)::text || '}' AS line FROM game_settings
UNION ALL
-- seen: the load's event ids that an earlier load stored
SELECT 'seen ' || jsonb_build_object('event_id', event_id)::text
FROM game_stage_keys WHERE event_id IN (SELECT event_id FROM game_events)
UNION ALL
-- known: the stored registration of every user the new events mention, as a registration event
SELECT 'known ' || jsonb_build_object('event_id', event_id, 'event_type', 'registration', 'event_timestamp', event_timestamp,
    'event_data', jsonb_build_object('country', country, 'user_id', user_id, 'device_os', device_os))::text
FROM game_registrations WHERE EXISTS (SELECT 1 FROM game_registrations) AND user_id IN (SELECT user_id FROM game_stage_users)
UNION ALL
-- sessions: all stored sessions of the users with new pings
SELECT 'sessions ' || jsonb_build_object('user_id', user_id, 'session_start', session_start, 'session_end', session_end, 'pings', pings)::text
FROM game_sessions WHERE EXISTS (SELECT 1 FROM game_sessions) AND user_id IN (SELECT user_id FROM game_stage_new WHERE event_type = 'session_ping')
UNION ALL
-- stored-matches: all stored events of the matches to score again
SELECT 'stored-matches ' || jsonb_build_object('event_id', event_id, 'event_timestamp', event_timestamp, 'match_id', match_id,
    'home_user_id', home_user_id, 'away_user_id', away_user_id, 'home_goals_scored', home_goals_scored, 'away_goals_scored', away_goals_scored)::text
FROM game_stage_match_events
WHERE EXISTS (SELECT 1 FROM game_match_events)
