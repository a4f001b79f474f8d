-- Search (docs/search.md, "Typos"): the dictionary of the words used in artist names and release,
-- track and post titles, with a trigram index. A query word is corrected against this small table
-- (tens of thousands of words for a catalogue of a hundred thousand tracks) instead of measuring
-- trigram distance to every name and title, which cost tens of milliseconds per query at scale.
-- Words are added when names and titles are written; words no longer used anywhere are pruned by
-- the retention job (app/retention.cpp), so a deleted artist's name does not linger.

CREATE TABLE search_words (
    word text PRIMARY KEY CHECK (char_length(word) BETWEEN 3 AND 40)
);
-- GIN, not GiST: correction asks for the words within a similarity threshold (`%`), which GIN
-- answers from the query's few trigram posting lists in well under a millisecond; a GiST scan of
-- the same table took several.
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- The words of a name as search splits a query: lowercased runs of letters and digits.
CREATE FUNCTION search_words_of(t text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(regexp_replace(lower(t), '[^[:alnum:]]+', ' ', 'g'), ' ') AS w
    WHERE char_length(w) BETWEEN 3 AND 40
$$;

-- Statement-level on INSERT (one pass over all new rows, so bulk loads stay fast); row-level on an
-- UPDATE that changes the name (play counts and other updates never fire it). TG_ARGV[0] names the
-- column.
CREATE FUNCTION search_words_collect_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO search_words (word) SELECT DISTINCT w FROM new_rows n, search_words_of(n.%I) AS w '
                   'ON CONFLICT DO NOTHING', TG_ARGV[0]);
    RETURN NULL;
END
$$;
CREATE FUNCTION search_words_collect_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    name text;
BEGIN
    EXECUTE format('SELECT ($1).%I', TG_ARGV[0]) INTO name USING NEW;
    INSERT INTO search_words (word) SELECT w FROM search_words_of(name) AS w ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER artist_profiles_search_words_ins AFTER INSERT ON artist_profiles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_collect_rows('stage_name');
CREATE TRIGGER artist_profiles_search_words_upd AFTER UPDATE OF stage_name ON artist_profiles
    FOR EACH ROW WHEN (OLD.stage_name IS DISTINCT FROM NEW.stage_name)
    EXECUTE FUNCTION search_words_collect_row('stage_name');
CREATE TRIGGER releases_search_words_ins AFTER INSERT ON releases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_collect_rows('title');
CREATE TRIGGER releases_search_words_upd AFTER UPDATE OF title ON releases
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION search_words_collect_row('title');
CREATE TRIGGER tracks_search_words_ins AFTER INSERT ON tracks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_collect_rows('title');
CREATE TRIGGER tracks_search_words_upd AFTER UPDATE OF title ON tracks
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION search_words_collect_row('title');
CREATE TRIGGER posts_search_words_ins AFTER INSERT ON posts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_collect_rows('title');
CREATE TRIGGER posts_search_words_upd AFTER UPDATE OF title ON posts
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title) EXECUTE FUNCTION search_words_collect_row('title');

INSERT INTO search_words (word)
SELECT DISTINCT w
FROM (SELECT stage_name AS t FROM artist_profiles UNION ALL SELECT title FROM releases
      UNION ALL SELECT title FROM tracks UNION ALL SELECT title FROM posts) AS s,
     search_words_of(s.t) AS w
ON CONFLICT DO NOTHING;
