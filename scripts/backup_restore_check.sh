#!/usr/bin/env bash
# Proves the backup and restore of docs/deploiement.md on the local PostgreSQL (127.0.0.1:5432, user
# postgres, trust): a scratch role and database set up as the guide's §2 says, the schema and the demo
# region loaded (§4), a backup with pg_dump -Fc and a restore into a second scratch database with the
# guide's §8 commands, word for word, then the row counts of every table compared. Fails loudly on
# any difference; drops everything it created, whatever happens. `make backup-check`; CI runs it.
#
# Run as the guide writes them, but for: `createuser` without --pwprompt (it would ask for a password;
# the local server trusts its loopback connections), and .venv/bin/flask with the settings in the
# environment instead of the guide's `portail-flask` wrapper (which reads /etc/portail/portail.env).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FLASK="${FLASK:-$ROOT/.venv/bin/flask}"

# --- the guide's variables (§8), pointed at scratch names --------------------------------------------
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
SUFFIX="$$_$(date +%s)"
BASE="portail_verif_$SUFFIX"
PROPRIETAIRE="portail_verif_$SUFFIX"
COPIE="portail_verif_copie_$SUFFIX"
SAUVEGARDES="$(mktemp -d)"
DUMP="$SAUVEGARDES/portail-$(date +%F).dump"

cleanup() {
  dropdb --if-exists "$COPIE" >/dev/null 2>&1 || true
  dropdb --if-exists "$BASE" >/dev/null 2>&1 || true
  dropuser --if-exists "$PROPRIETAIRE" >/dev/null 2>&1 || true
  rm -rf "$SAUVEGARDES"
}
trap cleanup EXIT

fail() { echo "backup_restore_check: ÉCHEC : $*" >&2; exit 1; }
# The portal's commands, their output kept aside (shown when one fails).
flask_() { "$FLASK" "$@" >>"$SAUVEGARDES/flask.log" 2>&1 || { tail -n 40 "$SAUVEGARDES/flask.log" >&2; fail "flask $*"; }; }

pg_isready -q || fail "PostgreSQL ne répond pas sur $PGHOST:$PGPORT"
started=$(date +%s)

# --- §2 PostgreSQL: the portal's role and database ---------------------------------------------------
createuser "$PROPRIETAIRE"
createdb --owner="$PROPRIETAIRE" --encoding=UTF8 --template=template0 "$BASE"
psql -X -q -v ON_ERROR_STOP=1 --dbname="$BASE" -c 'CREATE EXTENSION IF NOT EXISTS unaccent' \
  -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm'

# --- §4 first installation: the schema, then (demo only) the demo region -----------------------------
# The portal connects as its role, as in production; its files go to a scratch instance folder.
export DATABASE_URL="postgresql+psycopg://$PROPRIETAIRE@$PGHOST:$PGPORT/$BASE"
export PORTAL_INSTANCE_DIR="$SAUVEGARDES/instance" REGION_CODE=28 REGION_PREFIX=04
flask_ db upgrade
flask_ demo load

# --- §8 backup ---------------------------------------------------------------------------------------
pg_dump -Fc -f "$DUMP" "$BASE"

# --- §8 restore test ---------------------------------------------------------------------------------
createdb --owner="$PROPRIETAIRE" --encoding=UTF8 --template=template0 "$COPIE"
pg_restore --exit-on-error --no-owner --role="$PROPRIETAIRE" --dbname="$COPIE" "$DUMP"
psql -X -At -v ON_ERROR_STOP=1 --dbname="$BASE" --file=scripts/row_counts.sql > "$SAUVEGARDES/lignes-base.txt"
psql -X -At -v ON_ERROR_STOP=1 --dbname="$COPIE" --file=scripts/row_counts.sql > "$SAUVEGARDES/lignes-copie.txt"
diff "$SAUVEGARDES/lignes-base.txt" "$SAUVEGARDES/lignes-copie.txt" && echo "Restauration conforme" ||
  fail "les nombres de lignes de la copie restaurée diffèrent de ceux de la base (ci-dessus : < base, > copie)"
revision=$(psql -X -At -v ON_ERROR_STOP=1 --dbname="$COPIE" -c 'SELECT version_num FROM alembic_version')
heads=$("$FLASK" db heads 2>/dev/null | tail -n 1)
[ "$revision (head)" = "$heads" ] || fail "révision de la copie « $revision », celle du code : « $heads »"
owner=$(psql -X -At -v ON_ERROR_STOP=1 --dbname="$COPIE" -c "SELECT tableowner FROM pg_tables WHERE tablename = 'formation'")
[ "$owner" = "$PROPRIETAIRE" ] || fail "les tables restaurées appartiennent à « $owner », pas au rôle du portail"
dropdb "$COPIE"

# --- what was proven ---------------------------------------------------------------------------------
tables=$(wc -l < "$SAUVEGARDES/lignes-base.txt")
rows=$(awk -F'|' '{ s += $2 } END { print s + 0 }' "$SAUVEGARDES/lignes-base.txt")
filled=$(awk -F'|' '$2 > 0' "$SAUVEGARDES/lignes-base.txt" | wc -l)
[ "$tables" -ge 30 ] && [ "$filled" -ge 20 ] || fail "la base de démonstration est presque vide ($tables tables, $filled non vides)"
echo "backup_restore_check: sauvegarde (pg_dump -Fc, $(du -h "$DUMP" | cut -f1)) et restauration vérifiées :" \
     "$tables tables, $rows lignes identiques, révision $revision, en $(( $(date +%s) - started )) s."
