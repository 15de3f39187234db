-- Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d).
-- The application connects as an ordinary role: superusers and BYPASSRLS roles skip the
-- row-level security policies that keep tenants apart (docs/security.md).
CREATE ROLE helpdesk LOGIN PASSWORD 'helpdesk' NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
CREATE DATABASE helpdesk OWNER helpdesk;

-- Under those policies, text search keeps its trigram and full-text indexes only if the
-- functions of its operators are LEAKPROOF (docs/security.md, "Cost"). Only a superuser may
-- mark them, and the mark lives in each database's own catalogue: hence here, in helpdesk.
-- Keep in step with INDEXED_SEARCH_FUNCTIONS in helpdesk/row_security.py.
\connect helpdesk
ALTER FUNCTION pg_catalog.upper(text) LEAKPROOF;
ALTER FUNCTION pg_catalog.textlike(text,text) LEAKPROOF;
ALTER FUNCTION pg_catalog.ts_match_vq(tsvector,tsquery) LEAKPROOF;
ALTER FUNCTION pg_catalog.to_tsvector(regconfig,text) LEAKPROOF;
