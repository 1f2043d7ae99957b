-- Row count of every table of the portal's database, one "table|count" line each, sorted by name:
--   psql -X -At -v ON_ERROR_STOP=1 -d portail -f scripts/row_counts.sql
-- Comparing its output on a database and on its restored copy proves the restore (docs/deploiement.md).
SELECT format('SELECT %L || ''|'' || count(*) FROM %I.%I', table_name, table_schema, table_name)
  FROM information_schema.tables
 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
 ORDER BY table_name
\gexec
