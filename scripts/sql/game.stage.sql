-- Run by load-sqlite after loading the keys of a game-stats load into game_stage_keys: drop the keys a
-- crashed earlier load may have left, so the stage holds exactly this load's. (loaded_keys exists only
-- when something was loaded.)
CREATE TEMP TABLE IF NOT EXISTS loaded_keys ("event_id", PRIMARY KEY ("event_id"));
DELETE FROM game_stage_keys WHERE event_id NOT IN (SELECT event_id FROM temp.loaded_keys);
DELETE FROM game_stage_rows;
