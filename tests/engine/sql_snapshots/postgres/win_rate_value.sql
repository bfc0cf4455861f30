-- 3 statement(s)
SELECT COUNT(*) FILTER(WHERE "t1"."status" = 'won') AS "m0", COUNT(*) FILTER(WHERE "t1"."status" IN ('won', 'lost')) AS "m1" FROM (SELECT * FROM "opportunities" AS "t0" WHERE "t0"."closed_at" >= CAST('2026-02-28T23:00:00' AS TIMESTAMP) AND "t0"."closed_at" < CAST('2026-03-31T22:00:00' AS TIMESTAMP)) AS "t1";

SELECT COUNT(*) AS "m2" FROM (SELECT * FROM "opportunities" AS "t0" WHERE "t0"."created_at" >= CAST('2026-02-28T23:00:00' AS TIMESTAMP) AND "t0"."created_at" < CAST('2026-03-31T22:00:00' AS TIMESTAMP)) AS "t1";

SELECT COUNT(*) AS "m3" FROM (SELECT * FROM "leads" AS "t0" WHERE "t0"."created_at" >= CAST('2026-02-28T23:00:00' AS TIMESTAMP) AND "t0"."created_at" < CAST('2026-03-31T22:00:00' AS TIMESTAMP)) AS "t1";
