"""Record pages with tabs, edited in place (issue 12): a formation or session page shows its fields
and its child lists tab by tab; each group of fields and each child row is added, changed or
removed in a dialog without leaving the page, through the same views, commands and rules as
before (the dialog loads FAB's add/edit forms as fragments, or `tab_edit` for the record's own
fields). Without JavaScript every button is a plain link to a full page.

A view declares `tabs` (Tab) and the child lists they hold (ChildList); `record_page` renders them
from the tree the page loaded once (no FAB related view, no query per child list).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import abort, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from markupsafe import Markup

from app.security import may
from app.security.permissions import ACTION_ADD, ACTION_DELETE, ACTION_EDIT

from .base import fragment_done, is_fragment, parse_pk



@dataclass(frozen=True)
class Column:
    label: str
    value: Callable  # (row) -> text or Markup


@dataclass(frozen=True)
class ChildList:
    """A child list of the record shown in a tab: its rows come from the loaded tree."""

    key: str  # attribute of the record holding the rows
    title: str
    view: str  # the FAB view (endpoint) that adds, edits and removes a row
    resource: str  # its permission resource
    parent: str  # the child's relation to the record (the `_flt_0_<parent>` of FAB's add form)
    columns: tuple[Column, ...]
    add_label: str = "Ajouter"
    empty: str = "Aucune ligne pour l'instant."
    help: str = ""
    removable: bool = True


@dataclass(frozen=True)
class Group:
    """Fields of the record shown together and edited in one dialog."""

    key: str
    label: str
    fields: tuple[str, ...]
    readonly: tuple[str, ...] = ()  # computed fields shown, never edited (durée totale…)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    groups: tuple[Group, ...] = ()
    children: tuple[str, ...] = ()  # keys of the view's child lists
    template: str = ""  # a template of its own (a formation's sessions, its management)
    help: str = ""


@dataclass
class TabContext:
    """What a record page needs: the record, whether the user may change it now and why not."""

    item: object
    writable: bool
    lock: str | None
    tabs: tuple[Tab, ...]
    children: dict[str, ChildList] = field(default_factory=dict)


class TabbedRecordMixin:
    """`tab_edit` (the record's own fields of one tab, in a dialog) and the fragment mode of FAB's
    add and edit forms (a dialog's content; its save answers JSON)."""

    tabs: tuple[Tab, ...] = ()
    child_lists: tuple[ChildList, ...] = ()
    # Fields the rules require although the column may be empty (F1 dates…): marked required
    # (asterisk, aria-required) on every form; the rules refuse them missing.
    required_columns: tuple[str, ...] = ()

    def group(self, key: str) -> tuple[Tab, Group]:
        for tab in self.tabs:
            for group in tab.groups:
                if group.key == key:
                    return tab, group
        abort(404)

    @expose("/onglet/<pk>/<group>", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def tab_edit(self, pk, group):
        """One group of the record's fields, in a dialog (or a page without JavaScript), saved by
        the same command as the whole form (app/commands/save.py): the rules see the whole record."""
        tab, spec = self.group(group)
        item = self.datamodel.get(parse_pk(pk), self._base_filters)
        if item is None:
            abort(404)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            keep_fields(form, spec.fields)
            if form.validate():
                self.process_form(form, False)
                if self._save(form, item, created=False):
                    if is_fragment():
                        return fragment_done()
                    return redirect(url_for(f"{type(self).__name__}.show", pk=item.id, _anchor=f"onglet-{tab.key}"))
        else:
            form = self.edit_form.refresh(obj=item)
            keep_fields(form, spec.fields)
            self.prefill_form(form, item.id)
        self.stamp_form(form, item)  # its version: a change made meanwhile refuses the save (issue 16)
        self.prepare_form(form)
        return self.render_template(
            "portal/modal_form.html", form=form, order=spec.fields, title=f"{spec.label} — {item}",
            action=url_for(f"{type(self).__name__}.tab_edit", pk=item.id, group=group),
            back=url_for(f"{type(self).__name__}.show", pk=item.id))

    def prepare_form(self, form) -> None:
        """Manager-only fields leave a contact's form (F6, C2); rule-required ones are marked."""
        self._mark_manager_only(form)
        for name in self.required_columns:
            if name in form:
                form[name].flags.required = True

    def page_context(self, item, writable: bool, lock: str | None) -> TabContext:
        return TabContext(item=item, writable=writable and not lock, lock=lock, tabs=self.visible_tabs(item),
                          children={child.key: child for child in self.child_lists})

    def visible_tabs(self, item) -> tuple[Tab, ...]:
        return self.tabs


def session_arg() -> int | None:
    """The session a child form or a picker belongs to (`session`, or FAB's `_flt_0_session`)."""
    value = request.args.get("session") or request.args.get("_flt_0_session") or ""
    return int(value) if value.isdecimal() and int(value) < 2**31 else None


def keep_fields(form, names) -> None:
    """Leave only `names` (and the CSRF token) in a form instance."""
    for name in list(form._fields):
        if name not in names and name != "csrf_token":
            del form[name]


def child_permissions(child: ChildList) -> dict[str, bool]:
    return {"add": may(ACTION_ADD, child.resource), "edit": may(ACTION_EDIT, child.resource),
            "delete": child.removable and may(ACTION_DELETE, child.resource)}


def yes_no(value) -> str:
    return "Oui" if value else "Non"


def principal_mark(row) -> Markup:
    return Markup('<span class="label label-primary">Principal</span>') if getattr(row, "principal", False) else ""
