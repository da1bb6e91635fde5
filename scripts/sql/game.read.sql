-- What a game-stats load reads of the state, after staging its keys (views in game.schema.sql): one
-- JSON text a row, tagged with the file it goes to. game-stats.sh runs it with query-sqlite --format csv
-- (one quoted column: RFC 4180, unquoted exactly by sed; json_object escapes every control character,
-- so a row is one line, and writes integers exactly). Each part first asks whether its state table has
-- a row at all (SQLite evaluates that once, before the list of the load's users or matches, which costs
-- 1.6 s for a million events): a first load reads nothing.
-- settings: the options the state was built with
SELECT 'settings ' || json_object('setting', name, 'value', value) AS line FROM game_settings
UNION ALL
-- seen: the load's event ids that an earlier load stored
SELECT 'seen ' || json_object('event_id', event_id)
FROM game_stage_keys WHERE event_id IN (SELECT event_id FROM game_events)
UNION ALL
-- known: the stored registration of every user the new events mention, as a registration event
SELECT 'known ' || json_object('event_id', event_id, 'event_type', 'registration', 'event_timestamp', event_timestamp,
    'event_data', json_object('country', country, 'user_id', user_id, 'device_os', device_os))
FROM game_registrations WHERE EXISTS (SELECT 1 FROM game_registrations) AND user_id IN (SELECT user_id FROM game_stage_users)
UNION ALL
-- sessions: all stored sessions of the users with new pings
SELECT 'sessions ' || json_object('user_id', user_id, 'session_start', session_start, 'session_end', session_end, 'pings', pings)
FROM game_sessions WHERE EXISTS (SELECT 1 FROM game_sessions) AND user_id IN (SELECT user_id FROM game_stage_new WHERE event_type = 'session_ping')
UNION ALL
-- stored-matches: all stored events of the matches to score again
SELECT 'stored-matches ' || json_object('event_id', event_id, 'event_timestamp', event_timestamp, 'match_id', match_id,
    'home_user_id', home_user_id, 'away_user_id', away_user_id, 'home_goals_scored', home_goals_scored, 'away_goals_scored', away_goals_scored)
FROM game_stage_match_events
WHERE EXISTS (SELECT 1 FROM game_match_events)
