-- Search (docs/search.md, "Typos"): a query word's corrections are chosen by edit distance first
-- (levenshtein_less_equal), then by trigram similarity. fuzzystrmatch ships with PostgreSQL's
-- contrib (Debian's postgresql-15, Aurora PostgreSQL) and is a trusted extension: the database
-- owner may create it without being a superuser. Additive: the previous release never calls it.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
