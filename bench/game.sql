-- The game tables in DuckDB, the same rules as scripts/game-stats.sh (docs/recipes/game-stats.md, the
-- challenge's rules): the first delivery of each event_id counts (the generator's repeats are exact
-- copies); an event counts with a known type, a timestamp within the season and an event_data object
-- (broken lines skipped); registration_data: per user the earliest (time, then event_id) registration
-- with a user, a country of the timezones file and a device iOS/Android/Web, its time in the country's
-- zone and in UTC; session_data: sessions of the registered users' pings (a gap over 60 s starts one),
-- per user and UTC day of the session's start, count and summed last-minus-first ping; match_data: the
-- match events with a match and both players, goals whole and >= 0 or null, both players registered;
-- a match of exactly two such events whose players agree and differ, no goals on the start (the
-- earlier) and both on the finish scores 3/1/0 per side and its duration, on the UTC day it started.
-- Kept as tables in a DuckDB database file. {{FILE}}: the events, {{TIMEZONES}}: timezones.jsonl.
SET TimeZone = 'UTC';
-- The lines are read as text and parsed one by one: read_json(format = 'newline_delimited',
-- ignore_errors = true) loses the valid line after a line cut short after a key's colon (DuckDB 1.5.6
-- reads on into the next line and drops both; bench/game.sh's data has such lines), so it would not be
-- a correct query. chr(1) cannot occur in a JSON text, so each line is one field.
CREATE TEMP TABLE ev AS
WITH lines AS (
  SELECT j FROM read_csv('{{FILE}}', columns = {'j': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '',
                         auto_detect = false)
), parsed AS (
  SELECT json_transform(j, '{"event_id": "BIGINT", "event_type": "VARCHAR", "event_timestamp": "BIGINT",
           "event_data": {"user_id": "VARCHAR", "country": "VARCHAR", "device_os": "VARCHAR", "match_id": "VARCHAR",
                          "home_user_id": "VARCHAR", "away_user_id": "VARCHAR", "home_goals_scored": "BIGINT",
                          "away_goals_scored": "BIGINT"}}') AS e
  FROM lines WHERE json_valid(j)
)
SELECT DISTINCT ON (e.event_id) e.* FROM parsed WHERE e.event_id IS NOT NULL;
CREATE TEMP TABLE valid AS
SELECT event_id, event_type, event_timestamp AS t, event_data AS d FROM ev
WHERE event_type IN ('registration', 'session_ping', 'match') AND event_data IS NOT NULL
  AND event_timestamp BETWEEN 1728259200 AND 1730678399;
CREATE TEMP TABLE tz AS SELECT * FROM read_json('{{TIMEZONES}}', columns = {country: 'VARCHAR', timezone: 'VARCHAR'});

CREATE TABLE registration_data AS
SELECT r.d.user_id AS user_id, r.d.country AS country,
       strftime(timezone(tz.timezone, to_timestamp(r.t)), '%Y-%m-%d %H:%M:%S') AS registration_date_local_timezone,
       strftime(to_timestamp(r.t), '%Y-%m-%d %H:%M:%S') AS registration_date_utc, r.d.device_os AS device
FROM valid r JOIN tz ON tz.country = r.d.country
WHERE r.event_type = 'registration' AND r.d.user_id <> '' AND r.d.device_os IN ('iOS', 'Android', 'Web')
QUALIFY row_number() OVER (PARTITION BY r.d.user_id ORDER BY r.t, r.event_id) = 1;

CREATE TABLE session_data AS
WITH pings AS (
  SELECT p.d.user_id AS user_id, p.t FROM valid p SEMI JOIN registration_data r ON r.user_id = p.d.user_id
  WHERE p.event_type = 'session_ping'
), marked AS (
  SELECT user_id, t, CASE WHEN t - lag(t) OVER (PARTITION BY user_id ORDER BY t) > 60 THEN 1 ELSE 0 END AS starts FROM pings
), numbered AS (
  SELECT user_id, t, sum(starts) OVER (PARTITION BY user_id ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM marked
), sessions AS (
  SELECT user_id, min(t) AS s, max(t) AS e FROM numbered GROUP BY user_id, session
)
SELECT user_id, strftime(to_timestamp(s), '%Y-%m-%d') AS date, count(*) AS session_count, sum(e - s) AS time_spent_in_game
FROM sessions GROUP BY ALL;

CREATE TABLE match_data AS
WITH m AS (
  SELECT v.t, v.event_id, v.d.match_id AS match_id, v.d.home_user_id AS home, v.d.away_user_id AS away,
         v.d.home_goals_scored AS hg, v.d.away_goals_scored AS ag
  FROM valid v
  WHERE v.event_type = 'match' AND v.d.match_id IS NOT NULL AND v.d.home_user_id IS NOT NULL AND v.d.away_user_id IS NOT NULL
    AND coalesce(v.d.home_goals_scored, 0) >= 0 AND coalesce(v.d.away_goals_scored, 0) >= 0
    AND v.d.home_user_id IN (SELECT user_id FROM registration_data) AND v.d.away_user_id IN (SELECT user_id FROM registration_data)
), scored AS (
  SELECT match_id, min(t) AS start, max(t) - min(t) AS duration,
         arg_min(home, (t, event_id)) AS home, arg_min(away, (t, event_id)) AS away,
         arg_max_null(hg, (t, event_id)) AS hg, arg_max_null(ag, (t, event_id)) AS ag
  FROM m GROUP BY match_id
  HAVING count(*) = 2 AND count(DISTINCT home) = 1 AND count(DISTINCT away) = 1 AND min(home) <> min(away)
     AND arg_min_null(hg, (t, event_id)) IS NULL AND arg_min_null(ag, (t, event_id)) IS NULL
     AND arg_max_null(hg, (t, event_id)) IS NOT NULL AND arg_max_null(ag, (t, event_id)) IS NOT NULL
), sides AS (
  SELECT home AS user_id, start, duration, CASE WHEN hg > ag THEN 3 WHEN hg = ag THEN 1 ELSE 0 END AS ph, 0 AS pa FROM scored
  UNION ALL
  SELECT away, start, duration, 0, CASE WHEN ag > hg THEN 3 WHEN hg = ag THEN 1 ELSE 0 END FROM scored
)
SELECT user_id, strftime(to_timestamp(start), '%Y-%m-%d') AS date, sum(duration) AS total_duration,
       sum(ph) AS total_points_home, sum(pa) AS total_points_away
FROM sides GROUP BY ALL;
