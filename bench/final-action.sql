-- Loco's final action alone in DuckDB: per (user_uid, reel_uid), liked = the last like/unlike by
-- timestamp is a like (at a tie the unlike wins), as final-action decides it; the table to a CSV file.
-- {{FILE}}: input (bench/gen-final-action.mjs), {{OUT}}: the CSV file.
COPY (SELECT user_uid, reel_uid, arg_max(event_name, (timestamp, event_name = 'reel_unliked')) = 'reel_liked' AS liked
      FROM read_json('{{FILE}}', format = 'newline_delimited',
        columns = {event_name: 'VARCHAR', timestamp: 'BIGINT', user_uid: 'VARCHAR', reel_uid: 'VARCHAR'})
      GROUP BY ALL) TO '{{OUT}}' (HEADER);
