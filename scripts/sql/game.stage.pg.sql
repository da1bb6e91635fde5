-- game.stage.sql for PostgreSQL: after loading the keys of a game-stats load into game_stage_keys,
-- drop the keys a crashed earlier load may have left, so the stage holds exactly this load's.
DELETE FROM game_stage_keys WHERE event_id NOT IN (SELECT event_id FROM loaded_keys);
DELETE FROM game_stage_rows;
