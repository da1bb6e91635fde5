-- PostgreSQL form of engagement.refresh.sql (total() is coalesce(sum(), 0) here). Run by load-postgres in the load's transaction, after the facts: the cube rows of every date that got
-- new facts (activity_exit_dirty_dates, written just before by engagement.sh's post-load SQL) are recomputed
-- from all the stored facts of that date. A repeat of a loaded file adds no fact and recomputes nothing.
-- The durations are summed as whole microseconds (integers: exact, in any order), so the sum depends on
-- neither the order the facts came in nor the database (SQLite adds doubles with compensation,
-- PostgreSQL without: the last bits differed).
-- The whole microseconds are added as doubles holding integers (total(), sum(double precision)), not as
-- 64-bit integers: exact in any order while a sum is under 2^53 us (~285 years), and a huge duration
-- (1e13 s twice, 1e300 s) no longer overflows the sum (the load failed) or is clamped to 2^63 us.
-- A negative duration is no time played (the seed's "amount of time the user spent"): the fact keeps
-- it as sent, the sum leaves it out, as a missing one (the play counts); engagement.sh says how many.
DELETE FROM activity_engagement_daily WHERE date IN (SELECT date FROM activity_exit_dirty_dates);
INSERT INTO activity_engagement_daily (date, country, os_name, os_version, app_version, subscription_status, activity_id,
                                       activity_type, activity_subtype, collection_id, plays, completed_plays, total_duration_s)
SELECT date, country, os_name, os_version, app_version, subscription_status, activity_id,
       activity_type, activity_subtype, collection_id, count(*), sum(completed),
       coalesce(sum(CASE WHEN duration_s >= 0 THEN floor(duration_s * 1000000 + 0.5) END) / 1000000, 0)
FROM activity_exit_facts
WHERE date IN (SELECT date FROM activity_exit_dirty_dates)
GROUP BY date, country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id
ORDER BY date, country, os_name, os_version, app_version, subscription_status, activity_id, activity_type, activity_subtype, collection_id;
DELETE FROM activity_exit_dirty_dates;
