"""No lost update on the forms (issue 16).

An edit form carries, in two hidden fields, the version of the record it was filled from, when,
and a short digest of each field's value as loaded. The save command refuses a save whose
version is no longer the stored one (app/commands/versions.py); the form is then shown again with
what the user typed and, next to each field whose stored value changed since it was loaded, that
value (taken instead of the loaded one where the user changed nothing). It carries the new
version: saving again, after reading them, is a deliberate choice.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from flask import g, request
from markupsafe import Markup
from wtforms import HiddenField

from app.commands import once, versions
from app.models.base import VersionMixin, loaded_version, utcnow
from app.validators import WARNING, Problem
from app.workflow.diff import display

VERSION, LOADED = "record_version", "record_loaded"
TOKEN = once.FIELD  # a creating form's one-time token (app/commands/once.py)
OWN = (VERSION, LOADED, TOKEN)
NOT_COMPARED = ("CSRFTokenField", "HiddenField", "FileField", "MultipleFileField")
SHOWN_LENGTH = 120  # characters of a changed value shown next to its field
KEEP_TYPED = ("Ce que vous avez saisi est conservé ; sous chaque champ modifié entre-temps figure sa valeur "
              "enregistrée, reprise là où vous n'aviez rien changé. Vérifiez, puis enregistrez de nouveau.")
NOTHING_DIFFERS = ("Ce que vous avez saisi est conservé ci-dessous. Vérifiez, puis enregistrez de nouveau pour "
                   "confirmer vos modifications.")


def stamp(form, item, loaded_from=None) -> None:
    """Add the hidden fields to `form`: `item`'s version, now, and the digests of the fields of
    `loaded_from` (the form filled from `item`: `form` itself on a first display)."""
    if not isinstance(item, VersionMixin) or item.id is None:
        return
    source = loaded_from if loaded_from is not None else form
    fields = {name: digest(field.data) for name, field in source._fields.items() if _compared(name, field)}
    _put(form, str(loaded_version(item)), json.dumps({"at": utcnow().isoformat(timespec="seconds"),
                                                      "fields": fields}, separators=(",", ":")))


def keep(form) -> None:
    """After a refused POST: the hidden fields as posted (or as a stale refusal renewed them)."""
    renewed = g.get("_portal_stamp")
    if renewed is not None:
        _put(form, *renewed)
    elif request.form.get(VERSION):
        _put(form, request.form.get(VERSION, ""), request.form.get(LOADED, ""))


def posted() -> tuple[int | None, datetime | None, dict[str, str]]:
    """(version, loaded at, {field: digest}) a form was sent with; (None, None, {}) without."""
    version = versions.parse(request.form.get(VERSION))
    try:
        loaded = json.loads(request.form.get(LOADED) or "{}")
        at = datetime.fromisoformat(loaded.get("at")) if loaded.get("at") else None
        fields = {str(k): str(v) for k, v in dict(loaded.get("fields") or {}).items()}
    except (ValueError, TypeError, AttributeError):
        at, fields = None, {}
    return version, at, fields


def refused_as_stale(form, item, stale, stored_form) -> None:
    """Show the stale refusal on `form`: for each field whose stored value (`stored_form`, filled
    from the stored record) changed since the form was loaded, the value the user typed is kept
    when he changed the field too, else the stored value takes its place (saving again then puts
    back nothing he did not type); either way the field says so. Then renew the hidden fields."""
    from .base import show_problems  # noqa: PLC0415 (base imports this module)

    _, _, loaded = posted()
    problems, changed = [], []
    for name, field in form._fields.items():
        if not _compared(name, field) or name not in stored_form or name not in loaded:
            continue
        stored = stored_form[name].data
        if digest(stored) == loaded[name]:
            continue  # not changed meanwhile
        value = shown(stored)
        changed.append(f"{field.label.text} (« {value} »)")
        if digest(field.data) == loaded[name]:  # the user left it as loaded: the stored value is taken
            field.raw_data, field.data = None, stored
            problems.append(Problem(name, f"Modifié entre-temps : la valeur enregistrée « {value} » est reprise.",
                                    WARNING))
        else:
            problems.append(Problem(name, f"Modifié entre-temps : valeur enregistrée « {value} » ; votre saisie est "
                                          "conservée."))
    summary = (f"{stale} Modifié entre-temps : {', '.join(changed)}. {KEEP_TYPED}" if changed
               else f"{stale} {NOTHING_DIFFERS}")
    show_problems(form, [Problem("", summary)] + problems, summary=False)
    stamp(form, item, loaded_from=stored_form)
    g._portal_stamp = (form[VERSION].data, form[LOADED].data)


def digest(value) -> str:
    return hashlib.sha1(json.dumps(_plain(value), ensure_ascii=False, default=str).encode()).hexdigest()[:12]


def shown(value) -> str:
    """A stored value as a reader expects it (Oui, 01/12/2026, names of the related rows…)."""
    text = display(value)
    if "<" in text:  # rich text: its words
        text = Markup(text).striptags()
    text = " ".join(text.split())
    if len(text) > SHOWN_LENGTH:
        text = text[:SHOWN_LENGTH - 1] + "…"
    return text or "vide"


def _plain(value):
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple, set)):
        return sorted(str(_plain(v)) for v in value)
    if hasattr(value, "_sa_instance_state"):  # a related row: its identity
        return f"{type(value).__name__}#{getattr(value, 'id', None)}"
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def _compared(name: str, field) -> bool:
    return name not in OWN and field.type not in NOT_COMPARED


def stamp_token(form) -> None:
    """A creating form's one-time token (sent twice, the form creates once): a new one on
    display, the posted one again after a refusal (a refused save claims nothing)."""
    posted_token = once.valid(request.form.get(TOKEN)) if request.method == "POST" else None
    _put_fields(form, ((TOKEN, posted_token or once.new_token()),))


def _put(form, version: str, loaded: str) -> None:
    _put_fields(form, ((VERSION, version), (LOADED, loaded)))


def _put_fields(form, values) -> None:
    """The hidden fields on this form instance (WTForms adds fields to classes only; FAB builds
    one class per view): bound as the form binds its own, rendered with the CSRF token."""
    for name, value in values:
        field = form.meta.bind_field(form, HiddenField(), {"name": name, "prefix": form._prefix})
        field.data = value
        form._fields[name] = field
