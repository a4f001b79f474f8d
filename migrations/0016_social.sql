-- Artist posts, their likes and comments, the fan home feed (SPEC §4.5) and search (§4.6).
-- docs/posts.md and docs/search.md explain the rules.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE posts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    artist_id     uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body          text NOT NULL CHECK (char_length(body) <= 20000),  -- Markdown as written
    body_html     text NOT NULL,  -- rendered and sanitised when written (docs/posts.md)
    body_text     text NOT NULL,  -- the rendered text without markup, for search
    visibility    text NOT NULL CHECK (visibility IN ('public', 'followers', 'min_tier')),
    min_tier      text NOT NULL DEFAULT 'free' CHECK (min_tier IN ('free', 'supporter', 'superfan')),
    track_ids     uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(track_ids) <= 4),
    image_key     text,
    publish_at    timestamptz NOT NULL DEFAULT now(),
    announced_at  timestamptz,  -- when post.published was written (once per post)
    like_count    bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    search        tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('simple', title), 'A') ||
                      setweight(to_tsvector('simple', left(body_text, 5000)), 'C')) STORED,
    CHECK ((visibility = 'min_tier') = (min_tier <> 'free'))
);
CREATE INDEX posts_artist_idx ON posts (artist_id, publish_at DESC, id DESC);
CREATE INDEX posts_search_idx ON posts USING gin (search);
CREATE INDEX posts_title_trgm_idx ON posts USING gist (lower(title) gist_trgm_ops);

CREATE TABLE post_likes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX post_likes_post_idx ON post_likes (post_id);

-- Comments on posts share the track comments' table and rules (0006): exactly one target.
ALTER TABLE comments ALTER COLUMN track_id DROP NOT NULL,
    ADD COLUMN post_id uuid REFERENCES posts (id) ON DELETE CASCADE,
    ADD CONSTRAINT comments_one_target CHECK (num_nonnulls(track_id, post_id) = 1);
CREATE INDEX comments_post_idx ON comments (post_id, created_at DESC) WHERE post_id IS NOT NULL;

-- The feed reads releases of followed artists newest first.
CREATE INDEX releases_artist_out_idx ON releases (artist_id, (coalesce(release_at, created_at)) DESC)
    WHERE published;

-- Search: full-text vectors ('simple': names and titles are not English prose) and trigram
-- (GiST) indexes for typo tolerance: nearest names by trigram distance, whatever the threshold.
ALTER TABLE artist_profiles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', stage_name), 'A') ||
    setweight(to_tsvector('simple', left(bio, 5000)), 'C')) STORED;
CREATE INDEX artist_profiles_search_idx ON artist_profiles USING gin (search);
CREATE INDEX artist_profiles_name_trgm_idx ON artist_profiles USING gist (lower(stage_name) gist_trgm_ops);

ALTER TABLE releases ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A')) STORED;
CREATE INDEX releases_search_idx ON releases USING gin (search);
CREATE INDEX releases_title_trgm_idx ON releases USING gist (lower(title) gist_trgm_ops);

ALTER TABLE tracks ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A')) STORED;
CREATE INDEX tracks_search_idx ON tracks USING gin (search);
CREATE INDEX tracks_title_trgm_idx ON tracks USING gist (lower(title) gist_trgm_ops);

-- Trending weighs recent likes too.
CREATE INDEX likes_time_idx ON likes (created_at DESC);
