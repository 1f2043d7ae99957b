#!/usr/bin/env bash
# French catalogue of the portal (FAB-NOTES G10, G11).
#
#   scripts/i18n.sh         compile translations/fr/LC_MESSAGES/messages.po into messages.mo
#   scripts/i18n.sh check   compile, then verify the catalogue: it parses, no empty msgstr,
#                           no fuzzy entry, no format error, and every msgid that the installed
#                           Flask-AppBuilder uses (re-extracted into a temporary .pot) is present.
#
# Exits non-zero on any error. Run from anywhere: paths are relative to the project root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${VENV:-$ROOT/.venv}"
PYBABEL="$VENV/bin/pybabel"
PYTHON="$VENV/bin/python"
PO="translations/fr/LC_MESSAGES/messages.po"
MO="translations/fr/LC_MESSAGES/messages.mo"

usage() {
    echo "usage: $0 [check]" >&2
    exit 2
}

mode="${1:-compile}"
case "$mode" in
    compile | check) ;;
    *) usage ;;
esac

[ -f "$PO" ] || { echo "i18n: $PO not found" >&2; exit 1; }

# 1. Compile. pybabel exits 1 on format errors; a catalogue marked fuzzy is silently skipped,
#    so also make sure a fresh .mo was written.
rm -f "$MO"
"$PYBABEL" compile -d translations -l fr
[ -s "$MO" ] || { echo "i18n: $MO was not written (catalogue marked fuzzy?)" >&2; exit 1; }

[ "$mode" = check ] || exit 0

# 2. Re-extract every msgid of the installed Flask-AppBuilder (Python + Jinja templates).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fab_dir="$("$PYTHON" -c 'import os, flask_appbuilder; print(os.path.dirname(flask_appbuilder.__file__))')"
cat >"$tmp/fab.cfg" <<'EOF'
[python: **.py]
[jinja2: **/templates/**.html]
EOF
"$PYBABEL" -q extract -F "$tmp/fab.cfg" \
    -k lazy_gettext -k gettext -k _ -k __ -k ngettext -k lazy_ngettext -k lazy_formatter_gettext \
    -o "$tmp/fab.pot" "$fab_dir"

# 3. Verify the catalogue against it.
"$PYTHON" - "$PO" "$tmp/fab.pot" <<'EOF'
import sys

from babel.messages.pofile import read_po

po_path, pot_path = sys.argv[1], sys.argv[2]
with open(po_path, "rb") as fh:
    catalog = read_po(fh, abort_invalid=True)
with open(pot_path, "rb") as fh:
    template = read_po(fh)

problems = []
if catalog.fuzzy:
    problems.append("the catalogue header is marked fuzzy")
if str(catalog.locale) != "fr":
    problems.append(f"Language is {catalog.locale!r}, expected 'fr'")
for message in catalog:
    if not message.id:
        continue
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    if not all(s and s.strip() for s in strings):
        problems.append(f"empty msgstr: {message.id!r}")
    if message.fuzzy:
        problems.append(f"fuzzy entry: {message.id!r}")
for message, errors in catalog.check():
    for error in errors:
        problems.append(f"format error in {message.id!r}: {error}")

ours = {m.id for m in catalog if m.id}
missing = [m.id for m in template if m.id and m.id not in ours]
for msgid in missing:
    problems.append(f"missing Flask-AppBuilder msgid: {msgid!r}")

if problems:
    print(f"i18n check: {len(problems)} problem(s) in {po_path}", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    sys.exit(1)
print(f"i18n check: {len(ours)} entries, all translated; "
      f"all {len([m for m in template if m.id])} Flask-AppBuilder msgids covered")
EOF
