-- The Sliide job in DuckDB: distinct users per America/Chicago day with a user_engagement event of
-- engagement_time_msec >= 3000. {{FILE}} is the input path (bench/duckdb-run.mjs).
SELECT strftime((make_timestamp(CAST(event_timestamp AS BIGINT)) AT TIME ZONE 'UTC') AT TIME ZONE 'America/Chicago', '%Y-%m-%d') AS date,
       count(DISTINCT user_pseudo_id) AS active_user_count
FROM read_json('{{FILE}}', format = 'newline_delimited', ignore_errors = true,
  columns = {event_timestamp: 'VARCHAR', event_name: 'VARCHAR', user_pseudo_id: 'VARCHAR',
             event_params: 'STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value VARCHAR, double_value DOUBLE, float_value DOUBLE))[]'})
WHERE event_name = 'user_engagement'
  AND TRY_CAST(coalesce(list_filter(event_params, p -> p.key = 'engagement_time_msec')[1].value.int_value,
                        CAST(list_filter(event_params, p -> p.key = 'engagement_time_msec')[1].value.double_value AS VARCHAR)) AS DOUBLE) >= 3000
GROUP BY 1 ORDER BY 1
