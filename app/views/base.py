"""Base views: every model view of user-visible data derives from ScopedModelView."""
from __future__ import annotations

from flask import abort, flash, g, has_request_context, jsonify, redirect, request, url_for
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args
from sqlalchemy import Boolean, Date, Time, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import ObjectDeletedError
from wtforms import BooleanField

from app.commands import AlreadyDone, Invalid, Locked, Stale
from app.commands.delete import DeleteRecord
from app.commands.records import record_of
from app.commands.save import SaveRecord
from app.extensions import db
from app.security.permissions import (
    ACTION_EDIT,
    ACTION_ARCHIVE,
    ACTION_CLOSE_RECRUTEMENT,
    ACTION_CODIFY,
    ACTION_DUPLICATE_NEXT_YEAR,
    ACTION_READ,
    ACTION_SET_ETAT,
    EXCLUDED_VIEW_ROUTES,
    MODEL_VIEW_METHODS,

)
from app.security import may
from app.security.scope import SCOPE, choice_filters, current_user, is_manager, scope_clause, scoped
from app.validators import ERROR, WARNING, Problem
from app.workflow.locks import lock_reason
from app.views.labels import LABELS
from app.views.pickers import answer as picker_answer
from app.views.pickers import remote_fields
from app.models.base import VersionMixin
from app.views import versions as form_versions
from app.views.widgets import (
    CachedSearchWidget,
    format_bool,
    format_date,
    format_time,
    format_value,
    french_date_field,
    time_field,
)

MAX_PK = 2**31 - 1


def parse_pk(pk) -> int:
    """Primary keys are integers; anything else is a missing page, never a database error."""
    text = str(pk)
    if not text.isdecimal() or int(text) > MAX_PK:
        abort(404)
    return int(text)


class SafeListMixin:
    """Unknown sort columns in the URL are ignored instead of reaching the database (FAB 5.3
    passes them through and fails with a 500)."""

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        if order_column not in (self.order_columns or []):
            order_column, order_direction = "", ""
        if order_direction not in ("", "asc", "desc"):
            order_direction = ""
        # Relations of the listed columns come with the rows (PortalInterface, FAB-NOTES G14).
        self.datamodel.listed_relations = tuple(dict.fromkeys(
            name.split(".")[0] for name in self.list_columns or [] if self.datamodel.is_relation(name.split(".")[0])))
        return super()._get_list_widget(
            filters, order_column=order_column, order_direction=order_direction, **kwargs
        )


def is_fragment() -> bool:
    """A dialog of a record page asks for a form alone (app/static/js/inplace.js sends this
    header; app/views/tabs.py)."""
    return has_request_context() and request.headers.get("X-Requested-With") == "XMLHttpRequest"


_dialog = is_fragment


def fragment_done(location: str | None = None):
    """A dialog's save went through: the page reloads (or opens `location`) and shows the
    messages the save flashed."""
    return jsonify(ok=True, location=location)


class DialogFormsMixin:
    """FAB's add and edit forms also answer a record page's dialogs: the form alone, and JSON once
    saved (the page then reloads). Without the dialog header they are FAB's pages."""

    show_after_add = False  # a new record opens its own page (formations, sessions)
    full_add_template = "appbuilder/general/model/add.html"
    full_edit_template = "appbuilder/general/model/edit.html"

    @property
    def add_template(self):
        return "portal/modal_form.html" if is_fragment() else self.full_add_template

    @property
    def edit_template(self):
        return "portal/modal_form.html" if is_fragment() else self.full_edit_template

    def post_add_redirect(self):
        saved = getattr(g, "_portal_saved", None)
        location = url_for(f"{type(self).__name__}.show", pk=saved.id) if self.show_after_add and saved else None
        if is_fragment():
            return fragment_done(location)
        return redirect(location) if location else super().post_add_redirect()

    def post_edit_redirect(self):
        return fragment_done() if is_fragment() else super().post_edit_redirect()


class PickersMixin:
    """Relation fields and filters pointing to business tables are remote pickers
    (app/views/pickers.py); the view answers their requests for rows, through the same filters."""

    def _init_forms(self):
        super()._init_forms()
        remote_fields(self)

    @expose("/choix/<field>")
    @has_access
    def pick(self, field):
        """Choices of a form's field: rows the user may point to (write scope)."""
        return picker_answer(self, field, for_filter=False)

    @expose("/choix/<field>/filtre")
    @has_access
    def pick_filter(self, field):
        """Choices of a list filter: rows the user may read."""
        return picker_answer(self, field, for_filter=True)


class FrenchFieldsMixin:
    """Dates typed and shown as dd/mm/yyyy, times as HH:MM, booleans Oui/Non, nothing shown
    for empty values."""

    def _french_temporal_fields(self) -> None:
        """Replace FAB's ISO date pickers with French ones; add time fields (FAB has none)."""
        columns = self.datamodel.obj.__table__.columns
        formatters = dict(self.formatters_columns or {})
        add_extra = dict(self.add_form_extra_fields or {})
        edit_extra = dict(self.edit_form_extra_fields or {})
        labels = self.label_columns or {}
        for column in columns:
            name, label, required = column.key, labels.get(column.key, column.key), not column.nullable
            if isinstance(column.type, Boolean):
                # FAB marks NOT NULL booleans as required, which makes "unticked" impossible.
                formatters.setdefault(name, format_bool)
                add_extra.setdefault(name, BooleanField(label))
                edit_extra.setdefault(name, BooleanField(label))
                continue
            if isinstance(column.type, Date):
                formatters.setdefault(name, format_date)
                field_factory = french_date_field
            elif isinstance(column.type, Time):
                formatters.setdefault(name, format_time)
                field_factory = time_field
            else:
                continue
            add_extra.setdefault(name, field_factory(label, required))
            edit_extra.setdefault(name, field_factory(label, required))
        shown = list(self.list_columns or []) + list(self.show_columns or [])
        for _, fieldset in self.show_fieldsets or []:
            shown += fieldset.get("fields", [])
        for name in shown:
            formatters.setdefault(name, format_value)
        self.formatters_columns = formatters
        self.add_form_extra_fields = add_extra
        self.edit_form_extra_fields = edit_extra


class ScopedModelView(DialogFormsMixin, PickersMixin, FrenchFieldsMixin, SafeListMixin, ModelView):
    """A FAB ModelView limited to the user's scope (app/security/scope.py), in French.

    - `base_filters` applies the row-level scope to list, show, edit, delete and related lists;
    - actions (single and bulk) load rows through the same scope (FAB 5.3 ignores base_filters
      there: FAB-NOTES G1);
    - dates are typed and shown as dd/mm/yyyy, times as HH:MM, booleans as Oui/Non.
    """

    base_filters = SCOPE
    page_size = 25
    search_widget = CachedSearchWidget
    # Permissions come from the vocabulary (app/security/permissions.py): each view sets its
    # `class_permission_name`; methods and actions map to actions here.
    method_permission_name = {
        **MODEL_VIEW_METHODS,
        "archive": ACTION_ARCHIVE,
        "close_recrutement": ACTION_CLOSE_RECRUTEMENT,
        "set_etat_dispositif_action": ACTION_SET_ETAT,
        "duplicate_next_year_action": ACTION_DUPLICATE_NEXT_YEAR,
        "download_document": ACTION_READ,
    }
    exclude_route_methods = EXCLUDED_VIEW_ROUTES

    # Bulk actions that receive the selected ids, not loaded rows: their commands change any
    # number of rows as set operations, through the write scope (app/commands/bulk.py).
    actions_on_ids = frozenset({"archive", "close_recrutement", "set_etat_dispositif", "duplicate_next_year"})

    # Columns only holders of the `codify` permission may change (identity fields, SPEC C2;
    # état du dispositif, F6).
    manager_only_columns: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        self._french_temporal_fields()
        # Every relation drop-down offers only rows of the user's scope (A3); FAB would list
        # every row of the related table.
        model = self.datamodel.obj
        self.add_form_query_rel_fields = choice_filters(model, self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = choice_filters(model, self.edit_form_query_rel_fields)
        self.search_form_query_rel_fields = choice_filters(model, self.search_form_query_rel_fields)
        super().__init__(**kwargs)

    def _get_list_widget(self, filters, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        # The page's rows, from the session's identity map (FAB's query just loaded them).
        model = self.datamodel.obj
        items = [row for row in (db.session.get(model, pk) for pk in widgets["list"].template_args.get("pks") or [])
                 if row is not None]
        g.setdefault("_portal_editable", {})[type(self).__name__] = self.editable_ids(items)
        # The version of each row travels with its selection box: a bulk action refuses rows
        # changed since the list was shown (issue 16; read back by `posted_versions`).
        g.setdefault("_portal_versions", {})[type(self).__name__] = {
            item.id: item.version for item in items if isinstance(item, VersionMixin)}
        return widgets

    def editable_ids(self, items) -> set[int]:
        """The rows of a list page the user may change now: his write scope (one query for the
        page) and the locks of their state (app/workflow/locks.py) — the others show no pencil."""
        if not items or not may(ACTION_EDIT, self.class_permission_name):
            return set()
        model, ids = self.datamodel.obj, [item.id for item in items]
        if scope_clause(model, write=True) is None:
            writable = set(ids)
        else:
            writable = set(db.session.execute(scoped(select(model.id).where(model.id.in_(ids)), model,
                                                     write=True)).scalars())
        preload_owners(items)
        manager = is_manager(current_user())
        editable = {item.id for item in items if item.id in writable and not lock_reason(item, manager=manager)}
        g.setdefault("_portal_requestable", {})[type(self).__name__] = {
            item.id for item in items if item.id in writable and item.id not in editable and self.change_requestable(item)}
        return editable

    def change_requestable(self, item) -> bool:
        """Hook: a locked row the user changes through a *Demande de modification* (G2)."""
        return False

    # Record check for a model outside app/commands/records.py (accounts): (item) -> list[Problem].
    # The offer's and structures' checks, rich text and derived values are declared there.
    record_check = None

    def prefill_form(self, form, pk):
        """Hook: an edit form's values before it is shown."""

    def may_codify(self) -> bool:
        return may(ACTION_CODIFY, self.class_permission_name)

    def _mark_manager_only(self, form) -> list[str]:
        """Fields only managers change (C2, F6) are not offered to others at all (returned, for
        FAB's form widget to skip them); whatever is posted for them is ignored on save (`_save`)."""
        removed = []
        if not self.may_codify():
            for name in self.manager_only_columns:
                if name in form:
                    del form[name]
                    removed.append(name)
        for name in getattr(self, "required_columns", ()):  # required by the rules: marked as such
            if name in form:
                form[name].flags.required = True
        for field in form:  # FAB marks them with an asterisk; assistive technologies are told too
            if field.flags.required:
                field.render_kw = {**(field.render_kw or {}), "aria-required": "true"}
        return removed

    def divert_save(self, item, created: bool) -> bool:
        """Hook: keep a checked change elsewhere instead of writing it (True when done)."""
        return False

    def _delete(self, pk):
        """FAB's removal through DeleteRecord: the write scope, the lock, pre_delete's refusal, the
        model's removal rules, and C9 (an organisation's removal of a row of its validated
        structure waits in its request)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            diversion = DeleteRecord(item, user=g.user, prepare=self.pre_delete).run()
        except (Invalid, Locked) as refusal:
            flash(str(refusal), "danger")
        else:
            if diversion is not None:
                flash(diversion.message, "success" if diversion.kept is not None else "info")
            else:
                self.post_delete(item)
                flash(self.delete_row_message, "success")
        self.update_redirect()

    # FAB 5.3's _add/_edit save whatever passes WTForms and, when pre_add raises, redirect and
    # lose what was typed. Here every save goes through SaveRecord (app/commands/save.py, the
    # API's too); a refused form is shown again with the typed values and each French message
    # next to its field, and nothing is written. FAB's hooks run where FAB runs them.
    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                if self._save(form, self.datamodel.obj(), created=True):
                    return None
        else:
            if not _dialog():
                self.update_redirect()
            self.prefill_add(form)
        form_versions.stamp_token(form)
        return _without(self._get_add_widget(form=form, exclude_cols=exclude_cols), "add",
                        self._mark_manager_only(form))

    def prefill_add(self, form) -> None:
        """Hook: default values of a new record's form."""

    def _edit(self, pk):
        from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args

        pages, page_sizes, orders = get_page_args(), get_page_size_args(), get_order_args()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._save(form, item, created=False):
                    return None
            item = self.datamodel.get(pk, self._base_filters) or abort(404)
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            if not _dialog():
                self.update_redirect()
        self.stamp_form(form, item)
        widgets = _without(self._get_edit_widget(form=form, exclude_cols=exclude_cols), "edit",
                           self._mark_manager_only(form))
        if _dialog():  # a dialog holds the form alone, not the record's related lists
            return widgets
        return self._get_related_views_widgets(
            item, filters={}, orders=orders, pages=pages, page_sizes=page_sizes, widgets=widgets
        )

    def _save(self, form, item, *, created: bool) -> bool:
        """Fill `item` from the form and save it through SaveRecord; False (nothing written,
        the problems on the form) when refused."""
        protected = {}
        if not self.may_codify():
            # Manager-only fields keep their saved value whatever was posted (C2, F6).
            protected = {name: getattr(item, name, None) for name in self.manager_only_columns if name in form}
        with db.session.no_autoflush:
            for name, field in form._fields.items():
                if name not in form_versions.OWN:
                    field.populate_obj(item, name)
            for name, value in protected.items():
                setattr(item, name, value)
        version, loaded_at, _ = form_versions.posted() if not created else (None, None, {})
        command = SaveRecord(item, created=created, user=g.user,
                             record=record_of(self.datamodel.obj, type(self).record_check),
                             prepare=self.pre_add if created else self.pre_update,
                             divert=lambda changed: self.divert_save(changed, created),
                             version=version, loaded_at=loaded_at,
                             token=request.form.get(form_versions.TOKEN) if created else None)
        try:
            result = command.run()  # NotFound / Forbidden answer 404 / 403 by themselves
        except AlreadyDone as done:  # the same form sent twice (a double click): what the first made
            flash(str(done), "info")
            g._portal_saved = self.datamodel.get(done.done_id, self._base_filters) if done.done_id else None
            return True
        except Stale as stale:
            self._refused_as_stale(form, item, stale)
            return False
        except Locked as locked:
            show_problems(form, [Problem("", locked.reason)])
            return False
        except Invalid as invalid:
            show_problems(form, invalid.problems)
            return False
        if result.diverted:
            if result.diversion is not None:  # kept in a request (C9): the form says where
                flash(result.diversion.message, "success" if result.diversion.kept is not None else "info")
            return True
        g._portal_saved = item  # the record a new form made (post_add_redirect opens its page)
        (self.post_add if created else self.post_update)(item)
        flash(self.add_row_message if created else self.edit_row_message, "success")
        for problem in result.warnings:
            flash(problem.message, "warning")
        return True

    def stamp_form(self, form, item) -> None:
        """The version hidden fields of an edit form (app/views/versions.py): filled from `item`
        on display, kept as posted when a save was refused."""
        if request.method == "POST":
            form_versions.keep(form)
        else:
            form_versions.stamp(form, item)

    def _refused_as_stale(self, form, item, stale) -> None:
        """What changed meanwhile, next to what the user typed: the stored record, in the same
        form as it is displayed (the edit form filled from it, then its view's prefill)."""
        try:
            stored = self.edit_form(formdata=None, obj=item)  # FAB's refresh() would read the posted values
        except ObjectDeletedError:  # deleted meanwhile: the page then answers 404
            flash(str(stale), "danger")
            return
        self.prefill_form(stored, item.id)
        form_versions.refused_as_stale(form, item, stale, stored)

    def _deserialize_pk_if_composite(self, pk):
        return parse_pk(pk)

    def _scoped_get(self, pk):
        item = self.datamodel.get(parse_pk(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    # FAB 5.3's `action` and `action_post` load rows with datamodel.get(pk) and no base filters
    # (FAB-NOTES G1): re-expose them, POST only, loading through the scope.
    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        return action.func(self._scoped_get(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        action = self.actions.get(name)
        if action is None:
            abort(404)
        if not self.appbuilder.sm.has_access(
            self.get_action_permission_name(name), self.class_permission_name
        ):
            abort(403)
        pks = request.form.getlist("rowid")
        if not pks:
            flash("Aucune ligne sélectionnée.", "warning")
            return redirect(self.get_redirect())
        if name in self.actions_on_ids:  # set operations: the command reads the ids through the scope
            return action.func([parse_pk(pk) for pk in pks])
        return action.func([self._scoped_get(pk) for pk in pks])


def preload_owners(items) -> None:
    """The sessions and formations the rows' locks read, in one query per kind: the rows' lazy
    loads then find them in the session's identity map."""
    from app.models import Formation, Session

    session_ids = {getattr(item, "session_id", None) for item in items} - {None}
    if session_ids:
        db.session.execute(select(Session).where(Session.id.in_(session_ids))
                           .options(joinedload(Session.formation))).scalars().all()
    formation_ids = {getattr(item, "formation_id", None) for item in items} - {None}
    if formation_ids:
        db.session.execute(select(Formation).where(Formation.id.in_(formation_ids))).scalars().all()


def editable_rows(view_name: str) -> set[int] | None:
    """For a list template: the rows of `view_name`'s page that show edit controls (None: all)."""
    return (g.get("_portal_editable") or {}).get(view_name) if has_request_context() else None


def requestable_rows(view_name: str) -> set[int]:
    """The locked rows of a list page the user changes through a *Demande de modification* (a
    published formation): they offer it where their pencil was."""
    return (g.get("_portal_requestable") or {}).get(view_name, set()) if has_request_context() else set()


def _without(widgets: dict, name: str, removed: list[str]) -> dict:
    """FAB's form widget renders every listed column: the fields taken out of the form leave its
    list too."""
    if removed:
        args = widgets[name].template_args
        args["include_cols"] = [col for col in args["include_cols"] if col not in removed]
    return widgets


def posted_versions() -> dict[int, int]:
    """{id: version} the rows of a list's bulk action were sent with (the versions the list showed,
    `version-<id>` fields added by app/static/js/forms.js); empty when the page sent none."""
    seen = {}
    for key, value in request.form.items():
        pk = key.removeprefix("version-")
        if pk != key and pk.isdecimal() and value.isdecimal() and int(pk) <= MAX_PK and int(value) < 2**31:
            seen[int(pk)] = int(value)
    return seen


def row_version(view_name: str, pk) -> int | None:
    """For a list template: the version of a row of `view_name`'s page (None: not versioned)."""
    return (g.get("_portal_versions") or {}).get(view_name, {}).get(pk) if has_request_context() else None


def show_problems(form, problems, summary: bool = True) -> None:
    """Each message next to its field; the others (whole-record rules) at the top of the page."""
    for problem in problems:
        name = problem.field
        if name in form:
            form[name].errors = [*form[name].errors, problem.message]
        elif problem.severity == WARNING:
            flash(problem.message, "warning")
        else:
            flash(problem.message, "danger")
    if summary and any(p.severity == ERROR and p.field in form for p in problems):
        flash("Le formulaire contient des erreurs : corrigez les champs signalés.", "danger")


class ReferentialModelView(PickersMixin, FrenchFieldsMixin, SafeListMixin, ModelView):
    """Views of reference data (not scoped: it is public), in French."""

    page_size = 50
    search_widget = CachedSearchWidget
    method_permission_name = MODEL_VIEW_METHODS
    exclude_route_methods = EXCLUDED_VIEW_ROUTES

    def __init__(self, **kwargs):
        self.label_columns = {**LABELS, **(self.label_columns or {})}
        self._french_temporal_fields()
        super().__init__(**kwargs)

    def _deserialize_pk_if_composite(self, pk):
        return parse_pk(pk)


class CachedFilterConverter(SQLAFilterConverter):
    """A column's filters built once per interface: FAB builds them again for every column of the
    model each time it makes a `Filters` (three times a list page), though they depend on the
    column's type only and are not changed once built (each call gets its own list)."""

    def convert(self, col_name):
        built = self.datamodel.__dict__.setdefault("_filters_by_column", {})
        if col_name not in built:
            built[col_name] = super().convert(col_name)
        return None if built[col_name] is None else list(built[col_name])


class PortalInterface(SQLAInterface):
    """FAB's interface whose list query loads `listed_relations` with the rows: FAB 5.3 loads a
    listed `formation.intitule` with one query per row (FAB-NOTES G14); its filters are built
    once per column (CachedFilterConverter)."""

    listed_relations: tuple[str, ...] = ()
    filter_converter_class = CachedFilterConverter

    def apply_all(self, query, *args, **kwargs):
        query = super().apply_all(query, *args, **kwargs)
        loads = [(joinedload if self.is_relation_many_to_one(name) else selectinload)(getattr(self.obj, name))
                 for name in self.listed_relations]
        return query.options(*loads) if loads else query


def interface(model) -> SQLAInterface:
    return PortalInterface(model)


__all__ = ["ScopedModelView", "ReferentialModelView", "interface", "has_access", "parse_pk"]
