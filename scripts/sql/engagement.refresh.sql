-- Run by load-sqlite in the load's transaction: the days this load carries replace those days in the cube.
DELETE FROM activity_engagement_daily WHERE date IN (SELECT DISTINCT date FROM activity_engagement_daily_load);
INSERT INTO activity_engagement_daily (date, country, os_name, os_version, app_version, subscription_status, activity_id,
                                       activity_type, activity_subtype, collection_id, plays, completed_plays, total_duration_s)
SELECT date, country, os_name, os_version, app_version, subscription_status, activity_id,
       activity_type, activity_subtype, collection_id, plays, completed_plays, total_duration_s
FROM activity_engagement_daily_load;
DELETE FROM activity_engagement_daily_load;
