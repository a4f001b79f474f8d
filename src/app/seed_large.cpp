// `musicconnect seed-demo --size large`: a generated catalogue (docs/search.md, "The large demo
// catalogue"). Everything is written by set-based SQL on one connection in one transaction: the
// word lists and the seed go into a temporary table, generate_series makes the rows, and a hash of
// (seed, kind, index) stands for every random choice, so the same seed and size give the same
// names, ids and numbers every time.
#include "app/seed_large.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/connection.hpp"
#include "features/artists/genres.hpp"

namespace mc::app {
namespace asio = boost::asio;

namespace {

constexpr const char* kEmailDomain = "@large.demo.musicconnect.local";
constexpr const char* kPassword = "demo-password-1";  // every generated account, like the small demo's

// Artist names are invented words of three syllables: 40³ = 64,000 distinct words, and artist i
// gets word number (i × 7919 + seed × 104729) mod 64,000 — a bijection, so no two artists share
// their invented word while there are at most 64,000 of them.
const std::vector<std::string> kSyllables = {
    "ka", "lo",  "mi",  "ren", "vel", "tor", "sa", "bri", "no",  "dex", "ly",  "mar", "qui", "zan",
    "el", "or",  "ith", "an",  "ve",  "ro",  "su", "tha", "lin", "gar", "fen", "os",  "ria", "cal",
    "du", "mey", "pha", "jor", "wyn", "bel", "te", "ash", "nim", "kor", "ula", "sel"};
constexpr int kMaxArtists = 60000;

const std::vector<std::string> kFirstNames = {
    "Mara", "Jonah", "Ines", "Theo",  "Ada",   "Felix", "Noor",  "Lucas", "Ivy",   "Omar", "Lena",  "Rafael",
    "Zoe",  "Kai",   "Elsa", "Milo",  "Priya", "Hugo",  "Nina",  "Tariq", "Sofia", "Ezra", "Freya", "Dario",
    "Yuki", "Amara", "Leon", "Clara", "Ravi",  "Ines",  "Maeve", "Otis",  "Leila", "Jude", "Selma", "Arlo"};
const std::vector<std::string> kAdjectives = {
    "Velvet",  "Golden",  "Silent", "Electric", "Hollow", "Crimson",  "Paper",   "Neon",
    "Wild",    "Quiet",   "Broken", "Midnight", "Silver", "Northern", "Distant", "Amber",
    "Frozen",  "Lonely",  "Bright", "Hidden",   "Gentle", "Burning",  "Summer",  "Winter",
    "Ancient", "Cosmic",  "Little", "Lost",     "Sweet",  "Restless", "Blue",    "Scarlet",
    "Dusty",   "Endless", "Secret", "Purple",   "Lucky",  "Sleepy",   "Rusty",   "Glass"};
const std::vector<std::string> kNouns = {
    "River",  "Lantern", "Harbor",  "Signal",   "Comet",   "Meadow",    "Mirror",  "Shadow",
    "Ember",  "Canyon",  "Feather", "Orbit",    "Garden",  "Window",    "Island",  "Planet",
    "Pilot",  "Sparrow", "Engine",  "Ribbon",   "Valley",  "Circle",    "Forest",  "Flower",
    "Rocket", "Tower",   "Ocean",   "Desert",   "Machine", "Satellite", "Season",  "Dream",
    "Heart",  "Stone",   "Wave",    "Mountain", "Candle",  "Letter",    "Highway", "Star"};
const std::vector<std::string> kGerunds = {"Falling", "Dancing", "Waiting",  "Drifting", "Burning",
                                           "Chasing", "Leaving", "Dreaming", "Running",  "Breathing",
                                           "Calling", "Fading",  "Rising",   "Holding",  "Wandering",
                                           "Shining", "Sailing", "Singing",  "Counting", "Turning"};
const std::vector<std::string> kTags = {"chill",      "upbeat", "instrumental", "live",      "acoustic",
                                        "late-night", "dance",  "melancholic",  "lo-fi",     "summer",
                                        "vocal",      "remix",  "cinematic",    "energetic", "dreamy"};
const std::vector<std::string> kCities = {"Lisbon",  "Berlin", "Austin",  "Lagos",     "Seoul",  "Montreal",
                                          "Glasgow", "Osaka",  "Bristol", "Nashville", "Bogota", "Melbourne",
                                          "Oslo",    "Dakar",  "Detroit", "Marseille", "Mumbai", "Reykjavik"};
const std::vector<std::string> kCountries = {
    "Portugal", "Germany", "United States", "Nigeria",       "South Korea", "Canada",
    "Scotland", "Japan",   "England",       "United States", "Colombia",    "Australia",
    "Norway",   "Senegal", "United States", "France",        "India",       "Iceland"};
const std::vector<std::string> kActs = {"duo", "band", "producer", "singer-songwriter", "collective", "trio"};
const std::vector<std::string> kPostTitles = {
    "New single out Friday", "Studio diary",    "Tour dates announced",    "Thank you for a wild year",
    "Behind the album",      "Rehearsal notes", "A song I almost deleted", "Merch restock",
    "Live session recorded", "Writing again",   "Festival season",         "Questions from you, answered"};
const std::vector<std::string> kSentences = {
    "We spent the whole week in the studio and it shows.",
    "The new songs are slower and stranger than anything before.",
    "Thank you to everyone who came out to the last show.",
    "This one was written on a night bus somewhere between two cities.",
    "Members get the demo versions first, as always.",
    "The vinyl test pressings arrived and they sound warm.",
    "We are playing a small room next month, come say hello.",
    "Half of this record was recorded in a kitchen.",
    "A new video is coming, shot on an old film camera.",
    "Tell us which song you want on the next live set."};

// The seed, the size, the shared password hash and the word lists, for the generator's SQL.
constexpr db::Query kConf{
    "seed_large_conf",
    "INSERT INTO gen_conf VALUES ($1::bigint, $2::int, $3, $4::text[], $5::text[], $6::text[], $7::text[], "
    "$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])"};

constexpr db::Query kExists{
    "seed_large_exists",
    "SELECT EXISTS (SELECT 1 FROM users WHERE email LIKE '%@large.demo.musicconnect.local')"};
constexpr db::Query kCounts{"seed_large_counts",
                            "SELECT (SELECT count(*) FROM artist_profiles a JOIN users u ON u.id = a.user_id "
                            "WHERE u.email LIKE '%@large.demo.musicconnect.local'), "
                            "(SELECT count(*) FROM releases r JOIN users u ON u.id = r.artist_id WHERE "
                            "u.email LIKE '%@large.demo.musicconnect.local'), "
                            "(SELECT count(*) FROM tracks t JOIN users u ON u.id = t.artist_id WHERE u.email "
                            "LIKE '%@large.demo.musicconnect.local'), "
                            "(SELECT count(*) FROM posts p JOIN users u ON u.id = p.artist_id WHERE u.email "
                            "LIKE '%@large.demo.musicconnect.local'), "
                            "(SELECT count(*) FROM follows f JOIN users u ON u.id = f.fan_id WHERE u.email "
                            "LIKE '%@large.demo.musicconnect.local'), "
                            "(SELECT count(*) FROM subscriptions s JOIN users u ON u.id = s.fan_id "
                            "WHERE u.email LIKE '%@large.demo.musicconnect.local')"};

// The temporary helpers: h() is 48 bits of md5 (the generator's only source of "randomness"),
// pick() a word from a list by such a number.
constexpr const char* kPrologue = R"sql(
BEGIN;
SET LOCAL synchronous_commit = off;
SET LOCAL jit = off;  -- compiling these wide expressions costs more than running them
SET LOCAL work_mem = '64MB';
CREATE FUNCTION pg_temp.h(s text) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ('x' || substr(md5(s), 1, 12))::bit(48)::bigint $$;
CREATE FUNCTION pg_temp.pick(a text[], k bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT a[1 + (k % cardinality(a))::int] $$;
CREATE TEMP TABLE gen_conf (seed bigint, n int, pw text, syl text[], first text[], adj text[], noun text[],
  gerund text[], genres text[], tags text[], cities text[], countries text[], acts text[], post_titles text[],
  sentences text[]) ON COMMIT DROP;
)sql";

// Artists (and their user rows), releases, tracks, posts, fans, follows, tiers, subscriptions.
constexpr const char* kGenerate = R"sql(
CREATE TEMP TABLE gen_artists ON COMMIT DROP AS
WITH base AS (
  SELECT i, c.seed, c.n, c.pw,
         pg_temp.h(c.seed || ':artist-a:' || i) AS h1, pg_temp.h(c.seed || ':artist-b:' || i) AS h2,
         ((i::bigint * 7919 + c.seed * 104729) % 64000) AS p,
         c.syl, c.first, c.adj, c.noun, c.genres, c.cities, c.countries, c.acts
  FROM gen_conf c, generate_series(0, c.n - 1) AS i
), worded AS (
  SELECT b.*, initcap(b.syl[1 + (b.p % 40)::int] || b.syl[1 + (b.p / 40 % 40)::int] || b.syl[1 + (b.p / 1600 % 40)::int]) AS w,
         pg_temp.pick(b.genres, b.h2 / 101) AS g1, pg_temp.pick(b.genres, b.h2 / 1009) AS g2
  FROM base b
), named AS (
  SELECT w.i, w.seed, w.pw, w.h1, w.h2, w.g1,
         CASE w.h1 % 6
           WHEN 0 THEN w.w
           WHEN 1 THEN pg_temp.pick(w.first, w.h2 / 7) || ' ' || w.w
           WHEN 2 THEN 'The ' || w.w || 's'
           WHEN 3 THEN w.w || ' ' || pg_temp.pick(w.noun, w.h2 / 13)
           WHEN 4 THEN pg_temp.pick(w.adj, w.h2 / 17) || ' ' || w.w
           ELSE w.w || ' & the ' || pg_temp.pick(w.noun, w.h2 / 19) || 's'
         END AS stage_name,
         CASE WHEN w.h1 / 6 % 5 < 2 AND w.g2 <> w.g1 THEN ARRAY[w.g1, w.g2] ELSE ARRAY[w.g1] END AS genres,
         (w.h2 / 23 % cardinality(w.cities))::int + 1 AS place, w.cities, w.countries,
         pg_temp.pick(w.acts, w.h2 / 29) AS act,
         now() - make_interval(days => 200 + (w.h1 / 31 % 1000)::int) AS created
  FROM worded w
), slugged AS (
  SELECT n.*, trim(BOTH '-' FROM lower(regexp_replace(n.stage_name, '[^A-Za-z0-9]+', '-', 'g'))) AS base_slug
  FROM named n
)
SELECT md5('mc-large:' || s.seed || ':artist:' || s.i)::uuid AS id, s.i, s.seed, s.pw, s.h1, s.h2, s.g1,
       s.stage_name, s.genres, s.cities[s.place] AS city, s.countries[s.place] AS country, s.act, s.created,
       s.i % 3 = 0 AS tiered,
       CASE WHEN row_number() OVER (PARTITION BY s.base_slug ORDER BY s.i) > 1
              OR EXISTS (SELECT 1 FROM artist_profiles ap WHERE ap.slug = s.base_slug)
            THEN left(s.base_slug, 50) || '-' || s.i ELSE s.base_slug END AS slug
FROM slugged s;
CREATE INDEX ON gen_artists (i);
ANALYZE gen_artists;

INSERT INTO users (id, username, email, password_hash, role, email_verified_at, created_at, updated_at)
SELECT id, 'gen_artist_' || i, 'artist' || i || '@large.demo.musicconnect.local', pw, 'artist', created, created, created
FROM gen_artists;

INSERT INTO artist_profiles (user_id, stage_name, slug, genre, bio, genres, location_city, location_country, created_at)
SELECT id, stage_name, slug, g1,
       format('%s is a %s %s from %s, %s.', stage_name, g1, act, city, country), genres, city, country, created
FROM gen_artists;

INSERT INTO artist_tiers (artist_id, tier, price_cents, currency, perks)
SELECT a.id, t.tier, t.base + (a.h2 / 37 % 5)::int * 100, 'USD', t.perks
FROM gen_artists a
CROSS JOIN (VALUES ('supporter', 300, ARRAY['Early access to new songs']),
                   ('superfan', 1000, ARRAY['Early access to new songs', 'Demos and studio notes'])) AS t(tier, base, perks)
WHERE a.tiered;

CREATE TEMP TABLE gen_releases ON COMMIT DROP AS
SELECT x.*,
       CASE x.kind WHEN 'album' THEN 7 + (x.h % 4)::int WHEN 'ep' THEN 3 + (x.h % 3)::int ELSE 1 END AS ntracks,
       CASE WHEN x.tiered AND x.h / 5 % 20 = 0 THEN 'superfan'
            WHEN x.tiered AND x.h / 5 % 20 < 3 THEN 'supporter' ELSE 'free' END AS min_tier,
       x.h / 7 % 100 <> 0 AS published,
       CASE WHEN x.h / 11 % 200 = 0 THEN now() + make_interval(days => 3 + (x.h / 13 % 20)::int)
            ELSE x.created + make_interval(days => (x.h / 13 % 180)::int) END AS release_at,
       CASE x.h / 17 % 6
         WHEN 0 THEN pg_temp.pick(c.adj, x.h / 19) || ' ' || pg_temp.pick(c.noun, x.h / 23)
         WHEN 1 THEN 'The ' || pg_temp.pick(c.noun, x.h / 23) || 's'
         WHEN 2 THEN pg_temp.pick(c.noun, x.h / 23) || 's of ' || pg_temp.pick(c.noun, x.h / 29)
         WHEN 3 THEN pg_temp.pick(c.gerund, x.h / 31) || ' ' || pg_temp.pick(c.noun, x.h / 23) || 's'
         WHEN 4 THEN pg_temp.pick(c.adj, x.h / 19) || ' ' || pg_temp.pick(c.noun, x.h / 23) || 's'
         ELSE pg_temp.pick(c.adj, x.h / 19)
       END || CASE WHEN x.kind = 'ep' AND x.h / 37 % 3 = 0 THEN ' EP' ELSE '' END AS title,
       ARRAY(SELECT DISTINCT unnest(ARRAY[pg_temp.pick(c.tags, x.h / 41), pg_temp.pick(c.tags, x.h / 43)])) AS tags
FROM (
  SELECT md5('mc-large:' || a.seed || ':release:' || a.i || ':' || k.kind)::uuid AS id, a.id AS artist_id, a.i,
         k.kind, a.g1 AS genre, a.tiered, a.created + make_interval(days => k.after) AS created,
         pg_temp.h(a.seed || ':release:' || a.i || ':' || k.kind) AS h
  FROM gen_artists a
  CROSS JOIN (VALUES ('album', 30), ('ep', 120), ('single', 160)) AS k(kind, after)
  WHERE k.kind <> 'single' OR a.i % 3 = 1
) x, gen_conf c;

INSERT INTO releases (id, artist_id, title, kind, genre, tags, min_tier, release_at, published, created_at, updated_at)
SELECT id, artist_id, title, kind, genre, tags, min_tier, release_at, published, created, created
FROM gen_releases;

INSERT INTO tracks (id, release_id, artist_id, position, title, min_tier, status, duration_s, tags, play_count,
                    like_count, created_at, updated_at)
SELECT md5(r.id::text || ':track:' || p)::uuid, r.id, r.artist_id, p,
       CASE WHEN r.kind = 'single' THEN r.title ELSE
         CASE z.th % 7
           WHEN 0 THEN pg_temp.pick(c.adj, z.th / 3) || ' ' || pg_temp.pick(c.noun, z.th / 5)
           WHEN 1 THEN pg_temp.pick(c.noun, z.th / 5)
           WHEN 2 THEN 'The ' || pg_temp.pick(c.adj, z.th / 3) || ' ' || pg_temp.pick(c.noun, z.th / 5)
           WHEN 3 THEN pg_temp.pick(c.gerund, z.th / 7) || ' ' || pg_temp.pick(c.noun, z.th / 5) || 's'
           WHEN 4 THEN pg_temp.pick(c.noun, z.th / 5) || ' in the ' || pg_temp.pick(c.noun, z.th / 11)
           WHEN 5 THEN 'Song for ' || pg_temp.pick(c.first, z.th / 13)
           ELSE pg_temp.pick(c.gerund, z.th / 7)
         END END,
       CASE WHEN r.min_tier = 'free' AND r.tiered AND z.th / 17 % 12 = 0 THEN 'supporter' ELSE r.min_tier END,
       'draft', 90 + (z.th / 19 % 300)::int, ARRAY[pg_temp.pick(c.tags, z.th / 23)], z.plays, z.plays / (15 + z.th / 29 % 30),
       r.created, r.created
FROM gen_releases r
CROSS JOIN LATERAL generate_series(1, r.ntracks) AS p
CROSS JOIN LATERAL (
  SELECT th, (floor(200000.0 / power(1 + r.i, 0.7) * (th / 31 % 1000) / 1000.0) + th / 37 % 40)::bigint AS plays
  FROM (SELECT pg_temp.h(r.id::text || ':track:' || p) AS th) q
) z,
gen_conf c;

INSERT INTO posts (id, artist_id, title, body, body_html, body_text, visibility, min_tier, publish_at, announced_at,
                   like_count, created_at)
SELECT z.id, z.artist_id, z.title, z.body, '<p>' || z.body || '</p>', z.body, z.visibility,
       CASE WHEN z.visibility = 'min_tier' THEN 'supporter' ELSE 'free' END, z.at, z.at, z.ph / 7 % 200, z.at
FROM (
  SELECT md5(a.id::text || ':post:' || k)::uuid AS id, a.id AS artist_id, q.ph,
         pg_temp.pick(c.post_titles, q.ph / 3) AS title,
         pg_temp.pick(c.sentences, q.ph / 5) || ' ' || pg_temp.pick(c.sentences, q.ph / 11) AS body,
         CASE WHEN q.ph % 10 < 7 THEN 'public' WHEN q.ph % 10 < 9 OR NOT a.tiered THEN 'followers' ELSE 'min_tier' END
           AS visibility,
         now() - make_interval(days => (q.ph / 13 % 365)::int, mins => (q.ph / 17 % 1440)::int) AS at
  FROM gen_artists a
  CROSS JOIN LATERAL generate_series(1, 1 + (a.h2 % 3)::int) AS k
  CROSS JOIN LATERAL (SELECT pg_temp.h(a.id::text || ':post:' || k) AS ph) q
  CROSS JOIN gen_conf c
  WHERE a.i % 4 = 0
) z;

CREATE TEMP TABLE gen_fans ON COMMIT DROP AS
SELECT i, md5('mc-large:' || c.seed || ':fan:' || i)::uuid AS id, pg_temp.h(c.seed || ':fan:' || i) AS h, c.n, c.pw,
       now() - make_interval(days => (pg_temp.h(c.seed || ':fan:' || i) / 3 % 700)::int) AS created
FROM gen_conf c, generate_series(0, 3 * c.n - 1) AS i;
ANALYZE gen_fans;

INSERT INTO users (id, username, email, password_hash, role, email_verified_at, created_at, updated_at)
SELECT id, 'gen_fan_' || i, 'fan' || i || '@large.demo.musicconnect.local', pw, 'fan', created, created, created
FROM gen_fans;

-- Each fan follows 2–13 artists, skewed towards the low indexes (u^2.5): a few artists are big.
-- A follow a week apart each, never later than now (a recent fan's would fall in the future, and
-- analytics would chart days that have not happened).
INSERT INTO follows (fan_id, artist_id, created_at)
SELECT f.id, a.id, least(f.created + make_interval(days => k * 7), now() - make_interval(mins => k))
FROM gen_fans f
CROSS JOIN LATERAL generate_series(1, 2 + (f.h % 12)::int) AS k
JOIN gen_artists a
  ON a.i = floor(f.n * power((pg_temp.h(f.id::text || ':follow:' || k) % 1000003) / 1000003.0, 2.5))::int
ON CONFLICT DO NOTHING;

-- One fan in ten is a member of a tiered artist (and follows them). Memberships are granted as
-- rows only: no payments or ledger entries are invented.
CREATE TEMP TABLE gen_members ON COMMIT DROP AS
SELECT f.id AS fan_id, a.id AS artist_id, CASE WHEN f.h / 3 % 4 = 0 THEN 'superfan' ELSE 'supporter' END AS tier,
       f.h
FROM gen_fans f
JOIN gen_artists a
  ON a.i = 3 * floor((f.n - 1) / 3 * power((f.h / 5 % 1000003) / 1000003.0, 2))::int
WHERE f.i % 10 = 0;

INSERT INTO follows (fan_id, artist_id) SELECT fan_id, artist_id FROM gen_members ON CONFLICT DO NOTHING;

INSERT INTO subscriptions (fan_id, artist_id, tier, status, current_period_start, current_period_end, price_cents,
                           currency)
SELECT m.fan_id, m.artist_id, m.tier, 'active', now() - make_interval(days => 30 - d.left_days),
       now() + make_interval(days => d.left_days), t.price_cents, t.currency
FROM gen_members m
JOIN artist_tiers t ON t.artist_id = m.artist_id AND t.tier = m.tier
CROSS JOIN LATERAL (SELECT 1 + (m.h / 7 % 29)::int AS left_days) d;
)sql";

asio::awaitable<void> generate(Config config, LargeCatalog options) {
  auto ex = co_await asio::this_coro::executor;
  auto conn = co_await db::Connection::open(ex, config.database_url, std::chrono::seconds(10));
  const db::Result exists = co_await conn->exec(kExists);
  if (exists.boolean(0, 0)) {
    log::info("large demo catalogue already present");
    co_return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> genres;
  for (const auto g : artists::genres()) genres.emplace_back(g);
  const std::string pw = password_hash(kPassword);
  co_await conn->exec_script(kPrologue);
  co_await conn->exec(
      kConf, db::params(options.seed, options.artists, pw, kSyllables, kFirstNames, kAdjectives, kNouns,
                        kGerunds, genres, kTags, kCities, kCountries, kActs, kPostTitles, kSentences));
  // One step per blank-line-separated statement, timed, so the log says where the time goes.
  const std::string_view script = kGenerate;
  std::size_t from = 0;
  while (from < script.size()) {
    std::size_t end = script.find("\n\n", from);
    if (end == std::string_view::npos) end = script.size();
    const std::string_view step = script.substr(from, end - from);
    from = end + 2;
    if (step.find_first_not_of(" \n") == std::string_view::npos) continue;
    const auto t0 = std::chrono::steady_clock::now();
    co_await conn->exec_script(step);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    const std::string_view first_line = step.substr(step.find_first_not_of('\n'), 70);
    log::info("large demo catalogue step",
              {{"sql", first_line.substr(0, first_line.find('\n'))}, {"ms", took.count()}});
  }
  co_await conn->exec_script("COMMIT");
  const auto written = std::chrono::steady_clock::now();
  // VACUUM, not only ANALYZE: it moves the GIN indexes' pending lists (every full-text insert lands
  // there first, and each search reads the whole list until it is merged) into the index proper and
  // marks the pages all-visible, so the catalogue is fast from its first query rather than after
  // autovacuum gets to it. One statement each: VACUUM cannot run inside a transaction block.
  for (const char* table : {"users", "artist_profiles", "artist_tiers", "releases", "tracks", "posts",
                            "follows", "subscriptions", "search_words"}) {
    const std::string sql = std::string("VACUUM (ANALYZE) ") + table;
    co_await conn->exec_script(sql);
  }
  const auto done = std::chrono::steady_clock::now();
  const db::Result n = co_await conn->exec(kCounts);
  using ms = std::chrono::milliseconds;
  log::info("large demo catalogue created",
            {{"seed", options.seed},
             {"artists", n.int64(0, 0)},
             {"releases", n.int64(0, 1)},
             {"tracks", n.int64(0, 2)},
             {"posts", n.int64(0, 3)},
             {"follows", n.int64(0, 4)},
             {"subscriptions", n.int64(0, 5)},
             {"write_ms", std::chrono::duration_cast<ms>(written - started).count()},
             {"vacuum_ms", std::chrono::duration_cast<ms>(done - written).count()}});
}

int64_t number_option(const char* name, const char* value, int64_t min, int64_t max) {
  int64_t out = 0;
  const char* end = value + std::strlen(value);
  const auto [ptr, ec] = std::from_chars(value, end, out);
  if (ec != std::errc() || ptr != end || out < min || out > max) {
    throw std::invalid_argument(std::string(name) + " must be a whole number from " + std::to_string(min) +
                                " to " + std::to_string(max));
  }
  return out;
}

}  // namespace

std::optional<LargeCatalog> parse_large_options(int argc, char** argv) {
  LargeCatalog out;
  bool large = false;
  bool sized = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
    const char* value = argv[++i];
    if (arg == "--size") {
      if (std::strcmp(value, "large") == 0) {
        large = true;
      } else if (std::strcmp(value, "small") != 0) {
        throw std::invalid_argument("--size must be small (the default) or large");
      }
    } else if (arg == "--artists") {
      out.artists = static_cast<int>(number_option("--artists", value, 10, kMaxArtists));
      sized = true;
    } else if (arg == "--seed") {
      out.seed = number_option("--seed", value, 0, 1'000'000'000);
      sized = true;
    } else {
      throw std::invalid_argument("unknown option " + std::string(arg) +
                                  " (seed-demo [--size small|large] [--artists N] [--seed S])");
    }
  }
  if (!large && sized) throw std::invalid_argument("--artists and --seed go with --size large");
  if (!large) return std::nullopt;
  return out;
}

void seed_large(const Config& config, const LargeCatalog& options) {
  asio::io_context io;
  auto done = asio::co_spawn(io, generate(config, options), asio::use_future);
  io.run();
  done.get();
  // seed-demo then adds a year of plays over this catalogue (app/seed_history). The play and like
  // counters written above are a popularity prior for search ranking, not a sum of those plays.
}

}  // namespace mc::app
