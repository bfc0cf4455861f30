-- 3 statement(s)
SELECT COUNT(*) FILTER(WHERE "t1"."status" = 'won') AS "m0", COUNT(*) FILTER(WHERE "t1"."status" IN ('won', 'lost')) AS "m1" FROM (SELECT * FROM "opportunities" AS "t0" WHERE "t0"."closed_at" >= MAKE_TIMESTAMP(2026, 2, 28, 23, 0, 0.0) AND "t0"."closed_at" < MAKE_TIMESTAMP(2026, 3, 31, 22, 0, 0.0)) AS "t1";

SELECT COUNT(*) AS "m2" FROM (SELECT * FROM "opportunities" AS "t0" WHERE "t0"."created_at" >= MAKE_TIMESTAMP(2026, 2, 28, 23, 0, 0.0) AND "t0"."created_at" < MAKE_TIMESTAMP(2026, 3, 31, 22, 0, 0.0)) AS "t1";

SELECT COUNT(*) AS "m3" FROM (SELECT * FROM "leads" AS "t0" WHERE "t0"."created_at" >= MAKE_TIMESTAMP(2026, 2, 28, 23, 0, 0.0) AND "t0"."created_at" < MAKE_TIMESTAMP(2026, 3, 31, 22, 0, 0.0)) AS "t1";
