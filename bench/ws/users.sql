-- bench/ws/users.sql — the bench's listeners: :n fans, each with one live session, made in bulk.
--
-- Registering 100,000 fans through POST /api/auth/register would cost 100,000 argon2id hashes
-- (minutes of both cores) and measure the password hasher, not the gateway. So run.sh registers
-- ONE fan through the API (the template, :'template') and this script copies its row: same
-- columns, same password hash, same role; then one session per fan, exactly as a sign-in writes it
-- (user agent, ip, a 30-day expiry). The load generator mints each fan's access token with the
-- server's JWT secret (as the server signs it: HS256, kid, sub/sid/role/iat/exp/iss), so every
-- socket is a different user with a live session that the gateway checks against the database.
-- Output (on stdout): "<user id> <session id>" per fan.
BEGIN;
CREATE TEMP TABLE bench_fans ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, g AS n FROM generate_series(1, :n) AS g;
INSERT INTO users (id, username, email, password_hash, role, email_verified_at)
SELECT f.id, 'wsb' || f.n, 'wsb' || f.n || '@bench.invalid', t.password_hash, t.role, now()
FROM bench_fans f, users t WHERE t.username = :'template';
CREATE TEMP TABLE bench_sessions ON COMMIT DROP AS
SELECT gen_random_uuid() AS sid, f.id AS uid, f.n FROM bench_fans f;
INSERT INTO sessions (id, user_id, user_agent, ip, expires_at)
SELECT sid, uid, 'ws_load', '127.0.0.1', now() + interval '30 days' FROM bench_sessions;
COPY (SELECT uid || ' ' || sid FROM bench_sessions ORDER BY n) TO STDOUT;
COMMIT;
