"""Remote pickers: relation fields of forms and list filters ask the server for 20 rows at a time
(select2 over AJAX) instead of rendering a drop-down of the whole related table (FAB-NOTES G13).

- A relation whose target is a business table (structures, lieux, contacts, formations,
  sessions, certifications, accounts…) becomes a `RemoteSelectField`: the page renders only the
  selected rows; a posted id is looked up through the field's own filters — the row scope of
  app/security/scope.py and the view's `*_query_rel_fields` — so a forged or foreign id is
  refused as an invalid choice, as FAB's drop-down would.
- Each model view answers `/choix/<field>` (a form's choices: what the user may change) and
  `/choix/<field>/filtre` (a list filter's: what he may read), through the same filters, with
  the typed text matched accent- and case-insensitively on the model's `PICKABLE` columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, jsonify, request, url_for
from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField
from flask_appbuilder.security.sqla.models import User
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_
from sqlalchemy.orm import joinedload
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from app.extensions import db
from app.models import (
    BlocCompetences,
    Certification,
    Financeur,
    Formation,
    Mesure,
    Lieu,
    Nomenclature,
    Session,
    Structure,
    StructureContact,
)
from app.search.text import contains, ensure_sqlite_function, like_escape
from app.security.scope import PUBLIC

PAGE = 20  # rows per answer (select2 asks for the next page while the user scrolls)
MAX_TEXT = 100
MAX_WORDS = 5


@dataclass(frozen=True)
class Pickable:
    search: tuple  # columns the typed text is looked for in
    order: tuple  # how the rows are listed
    prefix: tuple = ()  # identifier columns matched from their start (SIRET, references, codes)
    label: Callable = str  # what the user reads: enough to tell two rows apart
    load: tuple = ()  # loader options of what the label reads
    related: Callable | None = None  # (word) -> clause on a related row (a contact's structure…)


def _structure_label(structure) -> str:
    return " – ".join(filter(None, (str(structure), structure.ville, f"SIRET {structure.siret}")))


def _lieu_label(lieu) -> str:
    return " – ".join(filter(None, (lieu.nom, " ".join(filter(None, (lieu.code_postal, lieu.ville))))))


def _contact_label(contact) -> str:
    """The same person may be the contact of several structures: the structure tells them apart."""
    return " – ".join(filter(None, (str(contact), contact.fonction, str(contact.structure or ""))))


ENDING_SOON_DAYS = 183  # a certification ending within six months is flagged (E2, F2)


def certification_label(certification) -> str:
    """What an organisation needs to choose (E2): code, intitulé, state, end of registration,
    valideurs — and a warning when it ends soon or has ended."""
    from datetime import date, timedelta

    end = certification.date_fin_enregistrement
    parts = [f"{certification.code} – {certification.intitule}",
             "en vigueur" if certification.actif else "inactive"]
    if end is not None:
        parts.append(f"fin d'enregistrement le {end:%d/%m/%Y}")
        if end < date.today():
            parts.append("⚠ enregistrement terminé")
        elif end < date.today() + timedelta(days=ENDING_SOON_DAYS):
            parts.append("⚠ fin d'enregistrement dans moins de six mois")
    if certification.certificateurs:
        parts.append(f"valideurs : {certification.certificateurs}")
    return " · ".join(parts)


def _formation_label(formation) -> str:
    return f"{formation.reference} – {formation.intitule}"


PICKABLE: dict[type, Pickable] = {
    Structure: Pickable((Structure.raison_sociale, Structure.enseigne, Structure.ville),
                        (Structure.raison_sociale, Structure.id), (Structure.siret, Structure.reference),
                        _structure_label),
    Lieu: Pickable((Lieu.nom, Lieu.ville), (Lieu.nom, Lieu.id), (Lieu.code_postal,), _lieu_label),
    StructureContact: Pickable((StructureContact.nom, StructureContact.prenom, StructureContact.email),
                               (StructureContact.nom, StructureContact.prenom, StructureContact.id),
                               (StructureContact.reference,), _contact_label,
                               (joinedload(StructureContact.structure),),
                               lambda word: StructureContact.structure.has(or_(
                                   contains(Structure.raison_sociale, word), contains(Structure.enseigne, word)))),
    Formation: Pickable((Formation.intitule,), (Formation.reference, Formation.id), (Formation.reference,),
                        _formation_label),
    Session: Pickable((), (Session.reference.desc(), Session.id), (Session.reference,)),
    Certification: Pickable((Certification.intitule,), (Certification.actif.desc(), Certification.intitule,
                                                        Certification.id),
                            (Certification.code_rncp, Certification.code_rs, Certification.certif_info),
                            certification_label),
    BlocCompetences: Pickable((BlocCompetences.libelle,), (BlocCompetences.code, BlocCompetences.id),
                              (BlocCompetences.code,)),
    Nomenclature: Pickable((Nomenclature.libelle,), (Nomenclature.ordre, Nomenclature.code, Nomenclature.id),
                           (Nomenclature.code,)),
    Financeur: Pickable((Financeur.libelle,), (Financeur.libelle, Financeur.id), (Financeur.code,)),
    Mesure: Pickable((Mesure.libelle,), (Mesure.libelle, Mesure.id), (Mesure.code,)),
    User: Pickable((User.first_name, User.last_name, User.email), (User.last_name, User.first_name, User.id),
                   (User.username,)),
}
# Targets always picked remotely: tables that grow with the region. Code lists (Nomenclature) stay
# drop-downs unless a view names the field in `remote_columns` (Formacode, ROME…).
REMOTE_MODELS = frozenset(PICKABLE) - {Nomenclature, Financeur, Mesure}


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdecimal() and int(v) < 2**31]


class RemoteSelectWidget:
    """A <select> holding the selected rows only; app/static/js/pickers.js makes it a select2
    that asks `data-picker-url` for the others."""

    def __init__(self, multiple: bool = False):
        self.multiple = multiple

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs["class"] = " ".join(filter(None, ("form-control portal-picker", kwargs.pop("class", ""),
                                                 kwargs.pop("class_", ""))))
        attributes = {"data-picker-url": field.picker_url(), "data-placeholder": "Tapez pour rechercher…"}
        if self.multiple:
            kwargs["multiple"] = True
        if field.flags.required:
            kwargs["aria-required"] = "true"
        options = []
        for pk, label, selected, *_ in field.iter_choices():
            if pk == "__None":  # the blank choice: select2's placeholder, cleared with its cross
                options.append('<option value="__None"></option>')
            elif selected:
                options.append(f"<option {html_params(value=pk, selected=True)}>{Markup.escape(label)}</option>")
        return Markup(f"<select {html_params(name=field.name, **attributes, **kwargs)}>{''.join(options)}</select>")


class _RemoteChoices:
    """What both remote fields share: the rows to validate or render are looked up by id through
    the field's filters, never listed whole."""

    def __init__(self, *args, lookup=None, picker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup = lookup  # (ids) -> rows among the field's choices
        self.picker = picker  # (view endpoint, field name, filter?)

    # The record the field belongs to, sent with each request for rows (the view's
    # `picker_context` narrows the rows to it: a session's formateurs' lieux, its blocs…).
    picker_args: dict = {}

    def picker_url(self) -> str:
        endpoint, name, for_filter = self.picker
        return url_for(f"{endpoint}.pick_filter" if for_filter else f"{endpoint}.pick", field=name,
                       **self.picker_args)

    def _wanted(self) -> list[int]:
        raise NotImplementedError

    def _get_object_list(self):
        if self._object_list is None:
            wanted = self._wanted()
            rows = self.lookup(wanted) if wanted else []
            self._object_list = [(str(self.get_pk_func(row)), row) for row in rows]
        return self._object_list


NOT_A_CHOICE = "Ce choix n'est pas possible ici : choisissez une ligne proposée par la liste."


class RemoteSelectField(_RemoteChoices, QuerySelectField):
    widget = RemoteSelectWidget()

    def _wanted(self) -> list[int]:
        if self._formdata is not None:
            return _ids([self._formdata])
        return _ids([self.get_pk_func(self._data)]) if self._data is not None else []

    def pre_validate(self, form):
        posted = self._formdata
        if posted not in (None, "", "__None") and self.data is None:  # forged, foreign or gone
            raise StopValidation(NOT_A_CHOICE)
        super().pre_validate(form)


class RemoteSelectMultipleField(_RemoteChoices, QuerySelectMultipleField):
    widget = RemoteSelectWidget(multiple=True)

    def _wanted(self) -> list[int]:
        if self._formdata is not None:
            return _ids(self._formdata)
        return _ids(self.get_pk_func(row) for row in self._data or [])

    def process_formdata(self, valuelist):
        self._formdata = set(valuelist[:200])  # a multi-select of a few codes, never thousands

    def pre_validate(self, form):
        self.data  # noqa: B018 (reading it resolves the posted ids and marks unknown ones)
        if self._invalid_formdata:
            raise StopValidation(NOT_A_CHOICE)
        super().pre_validate(form)


def _related_query(datamodel, name: str, filter_rel_fields: dict | None):
    """A query of the rows `name` may point to, through the view's filters (scope first)."""
    related = datamodel.get_related_interface(name)
    query = db.session.query(related.obj)
    rules = (filter_rel_fields or {}).get(name)
    if rules:
        query = related.get_filters().add_filter_list(rules).apply_all(query)
    return related.obj, query


def picker_field(view: str, name: str, model, label: str, description: str = ""):
    """A remote picker for a form field that is not a relation of the view's model (a formation's
    first certification chosen with it…); the view lists it in `extra_pickers`."""
    pickable = PICKABLE[model]

    def lookup(ids):
        query = db.session.query(model).options(*pickable.load)
        return query.filter(sa_inspect(model).primary_key[0].in_(ids)).all()

    return RemoteSelectField(label, description=description, lookup=lookup, picker=(view, name, False),
                             get_pk_func=lambda row: row.id, get_label=pickable.label, allow_blank=True)


def _lookup(datamodel, name: str, filter_rel_fields):
    def lookup(ids):
        model, query = _related_query(datamodel, name, filter_rel_fields)
        pickable = PICKABLE.get(model)
        if pickable is not None and pickable.load:
            query = query.options(*pickable.load)
        return query.filter(sa_inspect(model).primary_key[0].in_(ids)).all()

    return lookup


def remote_fields(view) -> None:
    """Replace the relation fields of the view's add, edit and search forms that point to a
    business table (or that the view names in `remote_columns`) by remote pickers."""
    datamodel = view.datamodel
    remote = set(getattr(view, "remote_columns", ()))
    forms = ((view.add_form, view.add_form_query_rel_fields, False),
             (view.edit_form, view.edit_form_query_rel_fields, False),
             (view.search_form, view.search_form_query_rel_fields, True))
    for form, filter_rel_fields, for_filter in forms:
        if form is None:
            continue
        for name, unbound in list(vars(form).items()):
            if not isinstance(unbound, UnboundField) or not datamodel.is_relation(name):
                continue
            target = datamodel.get_related_model(name)
            # List filters are pickers even on short lists: a page renders no list it may not use.
            if target not in REMOTE_MODELS and name not in remote and not (for_filter and target in PICKABLE):
                continue
            many = datamodel.is_relation_many_to_many(name) or datamodel.is_relation_one_to_many(name)
            field_class = RemoteSelectMultipleField if many else RemoteSelectField
            kwargs = {key: value for key, value in unbound.kwargs.items()
                      if key not in ("widget", "query_func", "get_label")}
            setattr(form, name, field_class(*unbound.args, **kwargs, get_label=PICKABLE[target].label,
                                            lookup=_lookup(datamodel, name, filter_rel_fields),
                                            picker=(type(view).__name__, name, for_filter)))


def _is_remote(unbound) -> bool:
    return isinstance(unbound, UnboundField) and issubclass(unbound.field_class, _RemoteChoices)


def answer(view, name: str, for_filter: bool):
    """JSON for select2: {results: [{id, text}], pagination: {more}}; `?id=` returns that row's
    label (a list filter restored from the URL), `?q=` the rows matching the text, `?page=`."""
    datamodel = view.datamodel
    extra = getattr(view, "extra_pickers", {}).get(name)
    if extra is not None and not for_filter:  # a field that is no relation of the model
        assert extra in PUBLIC, "an extra picker lists reference data only: it applies no row scope"
        return _answer(extra, db.session.query(extra))
    if not datamodel.is_relation(name):
        abort(404)
    forms = ((view.search_form, view.search_form_query_rel_fields),) if for_filter else (
        (view.add_form, view.add_form_query_rel_fields), (view.edit_form, view.edit_form_query_rel_fields))
    filters = next((rules for form, rules in forms if form is not None and _is_remote(vars(form).get(name))), False)
    if filters is False:
        abort(404)
    model, query = _related_query(datamodel, name, filters)
    context = view.picker_context(name) if hasattr(view, "picker_context") else None
    if context is not None:  # the rows the field's record may point to (F12, F9)
        query = query.filter(context)
    return _answer(model, query)


def _answer(model, query):
    pickable = PICKABLE.get(model)
    if pickable is None:
        abort(404)
    ensure_sqlite_function(db.session)
    query = query.options(*pickable.load)
    pk = sa_inspect(model).primary_key[0]
    wanted = _ids(request.args.getlist("id"))[:50]
    if wanted:
        rows = query.filter(pk.in_(wanted)).all()
        return jsonify(results=[{"id": str(row.id), "text": pickable.label(row)} for row in rows],
                       pagination={"more": False})
    # Every word typed must be found (in a name, a town, an identifier's start…): "lefeb horizon".
    for word in (request.args.get("q") or "")[:MAX_TEXT].split()[:MAX_WORDS]:
        start = like_escape(word.upper())
        query = query.filter(or_(*[contains(column, word) for column in pickable.search],
                                 *[column.like(f"{start}%", escape="\\") for column in pickable.prefix],
                                 *([pickable.related(word)] if pickable.related else [])))
    page = min(int(request.args.get("page", "1")) if request.args.get("page", "1").isdecimal() else 1, 500)
    rows = query.order_by(*pickable.order).offset((max(page, 1) - 1) * PAGE).limit(PAGE + 1).all()
    return jsonify(results=[{"id": str(row.id), "text": pickable.label(row)} for row in rows[:PAGE]],
                   pagination={"more": len(rows) > PAGE})


__all__ = ["RemoteSelectField", "RemoteSelectMultipleField", "remote_fields", "answer", "PICKABLE"]
