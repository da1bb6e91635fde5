-- The Loco clip-interest table in DuckDB, the same rules as scripts/reel-interest.sh
-- (docs/recipes/reel-interest.md): one row per (user_uid, reel_uid) seen in a usable event, with
--   liked / unliked: the final like/unlike by timestamp (numeric strings accepted; at a tie the unlike
--     wins); like/unlike events without a numeric timestamp are ignored;
--   watched_ratio: over the watch events with a known platform and none of the fields their rule reads
--     null (the key, the platform, both durations; app_version on android, replay_count on android
--     before 2.3.0), a total watch time per event (ios and android >= 2.3.0: reel_watch_duration; android
--     < 2.3.0: reel_duration * replay_count + reel_watch_duration when replay_count > 0), summed and
--     divided by reel_duration (per-event ratios summed if a reel's duration differs between events);
--   is_interested: unliked -> false, liked -> true, else watched_ratio > 0.6.
-- Written as Parquet and NDJSON, as the recipe writes them. {{FILE}}: input, {{OUT}}: output folder.
CREATE TEMP TABLE ev AS
SELECT * FROM read_json('{{FILE}}', format = 'newline_delimited',
  columns = {event_name: 'VARCHAR', timestamp: 'VARCHAR', user_uid: 'VARCHAR', reel_uid: 'VARCHAR',
             origin_platform: 'VARCHAR', app_version: 'VARCHAR', reel_duration: 'VARCHAR',
             reel_watch_duration: 'VARCHAR', replay_count: 'VARCHAR'});
CREATE TEMP TABLE reel_interest AS
WITH final AS (
  SELECT user_uid, reel_uid,
         arg_max(event_name, (TRY_CAST(timestamp AS DOUBLE), event_name = 'reel_unliked')) AS last
  FROM ev
  WHERE event_name IN ('reel_liked', 'reel_unliked') AND user_uid IS NOT NULL AND reel_uid IS NOT NULL
    AND TRY_CAST(timestamp AS DOUBLE) IS NOT NULL
  GROUP BY ALL
), watch AS (
  SELECT user_uid, reel_uid, lower(trim(origin_platform)) AS platform,
         TRY_CAST(reel_watch_duration AS DOUBLE) AS w, TRY_CAST(reel_duration AS DOUBLE) AS d,
         TRY_CAST(replay_count AS DOUBLE) AS r,
         TRY_CAST(split_part(app_version, '.', 1) AS BIGINT) * 1000000
           + coalesce(TRY_CAST(split_part(app_version, '.', 2) AS BIGINT), 0) * 1000
           + coalesce(TRY_CAST(split_part(app_version, '.', 3) AS BIGINT), 0) AS version
  FROM ev
  WHERE event_name = 'reel_watched' AND user_uid IS NOT NULL AND reel_uid IS NOT NULL AND origin_platform IS NOT NULL
    AND reel_watch_duration IS NOT NULL AND reel_duration IS NOT NULL
), totals AS (
  SELECT user_uid, reel_uid, d,
         CASE WHEN platform = 'ios' OR version >= 2003000 OR r = 0 THEN w ELSE d * r + w END AS total
  FROM watch
  WHERE platform IN ('ios', 'android') AND w >= 0 AND d > 0
    AND (platform = 'ios' OR (version IS NOT NULL AND (version >= 2003000 OR r >= 0)))
), ratios AS (
  SELECT user_uid, reel_uid,
         CASE WHEN min(d) = max(d) THEN sum(total) / min(d) ELSE sum(total / d) END AS watched_ratio
  FROM totals GROUP BY ALL
)
SELECT coalesce(f.user_uid, r.user_uid) AS user_uid, coalesce(f.reel_uid, r.reel_uid) AS reel_uid,
       coalesce(f.last = 'reel_liked', false) AS liked, coalesce(f.last = 'reel_unliked', false) AS unliked,
       r.watched_ratio,
       CASE WHEN f.last = 'reel_unliked' THEN false WHEN f.last = 'reel_liked' THEN true
            ELSE coalesce(r.watched_ratio > 0.6, false) END AS is_interested
FROM final f FULL OUTER JOIN ratios r ON f.user_uid = r.user_uid AND f.reel_uid = r.reel_uid;
COPY reel_interest TO '{{OUT}}/reel_interest.parquet' (FORMAT parquet);
COPY reel_interest TO '{{OUT}}/reel_interest.ndjson' (FORMAT json);
