-- The Sliide job in DuckDB, the lean (fastest correct) query: only the columns and the one param value
-- the job reads. {{FILE}} is the input path (bench/duckdb-run.mjs).
SELECT strftime(timezone('America/Chicago', to_timestamp(event_timestamp::BIGINT // 1000000)), '%Y-%m-%d') AS date,
       count(DISTINCT user_pseudo_id) AS active_user_count
FROM read_json('{{FILE}}', format = 'newline_delimited',
  columns = {event_timestamp: 'VARCHAR', event_name: 'VARCHAR', user_pseudo_id: 'VARCHAR',
             event_params: 'STRUCT("key" VARCHAR, "value" STRUCT(int_value VARCHAR))[]'})
WHERE event_name = 'user_engagement'
  AND list_filter(event_params, p -> p.key = 'engagement_time_msec')[1].value.int_value::BIGINT >= 3000
GROUP BY 1 ORDER BY 1
