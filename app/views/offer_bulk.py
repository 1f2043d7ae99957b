"""Bulk actions on sessions and formations (SPEC K2, F15, F16): the list actions and their pages.
A list's selection comes with the versions it showed (issue 16): a row changed since refuses the
action, nothing written (the search page's selection, kept across its pages, has none)."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from app.security.permissions import ACTION_DUPLICATE_NEXT_YEAR, ACTION_SET_ETAT
from app.extensions import db
from app.models import Nomenclature, NomenclatureKind, Session
from app.commands import Invalid, Stale
from app.commands.bulk import ArchiveFormations, ArchiveSessions, CloseRecrutement, SetEtatDispositif, ids_of
from app.commands.duplicate import DuplicateForNextYear
from app.security.scope import scoped

from .base import posted_versions


MAX_REASONS = 10  # refusals listed after a bulk action; the others are counted


def flash_bulk(result, done: str) -> None:
    """A bulk action's outcome: what changed, then why the other rows did not (the first ten)."""
    flash(done, "success" if result.changed or not result.refused else "warning")
    for reason in result.refused[:MAX_REASONS]:
        flash(f"Non modifié — {reason}", "warning")
    if len(result.refused) > MAX_REASONS:
        flash(f"… et {len(result.refused) - MAX_REASONS} autre(s) session(s) non modifiée(s).", "warning")


def close_recrutement(ids) -> None:
    try:
        result = CloseRecrutement(ids, g.user, posted_versions()).run()
    except Stale as stale:
        flash(str(stale), "danger")
        return
    flash_bulk(result, f"Recrutement fermé sur {result.changed} financement(s) ; {result.unchanged} l'étaient déjà.")


def set_etat_dispositif(ids, etat_id, seen=None) -> bool:
    """False when the état is missing or a row changed since the list (the message says so)."""
    command = SetEtatDispositif(ids, etat_id, g.user, seen if seen is not None else posted_versions())
    try:
        result = command.run()
    except Stale as stale:
        flash(str(stale), "danger")
        return False
    except Invalid as refusal:
        flash(str(refusal), "warning")
        return False
    flash_bulk(result, f"État du dispositif « {command.etat.libelle} » appliqué à {result.changed} financement(s).")
    return True


def archive_sessions(ids) -> None:
    try:
        result = ArchiveSessions(ids, g.user, posted_versions()).run()
    except Stale as stale:
        flash(str(stale), "danger")
        return
    flash_bulk(result, f"{result.changed} session(s) archivée(s) ; {result.unchanged} l'étaient déjà.")


class CloseRecrutementActionMixin:
    """Bulk *Fermer le recrutement* for managers (K2, F16)."""

    @action("close_recrutement", "Fermer le recrutement",
            "Fermer le recrutement de toutes les sessions sélectionnées ?", "fa-lock", single=False)
    def close_recrutement(self, ids):
        close_recrutement(ids)
        return redirect(self.get_redirect())


class SessionBulkMixin:
    """Bulk actions needing a choice or a preview: état du dispositif (K2, managers) and the
    duplication of sessions for next year's rentrée (every copy checked before creation)."""

    @action("set_etat_dispositif", "Changer l'état du dispositif", "", "fa-flag", single=False)
    def set_etat_dispositif_action(self, ids):
        return self.render_etat_page(ids)

    @action("duplicate_next_year", "Dupliquer pour la rentrée suivante", "", "fa-copy", single=False)
    def duplicate_next_year_action(self, ids):
        return redirect(url_for("SessionView.rentree", ids=",".join(str(i) for i in ids_of(ids)[:RENTREE_MAX])))

    @staticmethod
    def _posted_ids() -> list[int]:
        return ids_of(request.values.get("ids", "").split(","))

    def _selected(self, limit: int) -> list:
        ids = self._posted_ids()[:limit]
        if not ids:
            return []
        query = scoped(select(Session).where(Session.id.in_(ids)), Session, write=True).order_by(Session.debut)
        return list(db.session.execute(query).scalars())

    @staticmethod
    def _posted_seen() -> dict[int, int]:
        """The versions the list showed, as the état page carries them on (`id:version,…`)."""
        pairs = (pair.partition(":") for pair in request.values.get("versions", "").split(","))
        return {int(pk): int(v) for pk, _, v in pairs if pk.isdecimal() and v.isdecimal() and int(pk) < 2**31
                and int(v) < 2**31}

    def render_etat_page(self, ids, seen=None):
        ids = ids_of(ids)
        seen = posted_versions() if seen is None else seen
        preview = db.session.execute(scoped(select(Session).where(Session.id.in_(ids[:PREVIEW])), Session,
                                            write=True).order_by(Session.reference)).scalars().all()
        etats = db.session.execute(select(Nomenclature).where(
            Nomenclature.kind == NomenclatureKind.ETAT_DISPOSITIF).order_by(Nomenclature.ordre)).scalars().all()
        return self.render_template("portal/bulk_etat.html", count=len(ids), sessions=preview, etats=etats,
                                    ids=",".join(str(i) for i in ids),
                                    versions=",".join(f"{pk}:{version}" for pk, version in seen.items() if pk in ids))

    @expose("/etat_dispositif", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_SET_ETAT)
    def etat_dispositif(self):
        ids, seen = self._posted_ids(), self._posted_seen()
        if request.method == "POST" and set_etat_dispositif(ids, request.form.get("etat"), seen):
            return redirect(url_for("SessionView.list"))
        return self.render_etat_page(ids, seen)

    @expose("/rentree", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_DUPLICATE_NEXT_YEAR)
    def rentree(self):
        command = DuplicateForNextYear(self._selected(RENTREE_MAX), g.user)
        if request.method == "POST" and command.sessions:
            created, skipped = command.run()
            flash(f"{len(created)} session(s) créée(s) pour la rentrée suivante (brouillons à vérifier et à "
                  f"soumettre) ; {len(skipped)} écartée(s).", "success" if created else "warning")
            return redirect(url_for("SessionView.list"))
        return self.render_template("portal/rentree.html", rows=command.preview(),
                                    ids=",".join(str(s.id) for s in command.sessions))


PREVIEW = 50  # sessions listed on the état du dispositif page; the others are counted
RENTREE_MAX = 500  # the rentrée checks every copy before creating it: a bounded preview


class ArchiveActionMixin:
    """Bulk *Archiver* for managers (K2): archiving never deletes (F15)."""

    @action("archive", "Archiver", "Archiver les lignes sélectionnées ?", "fa-archive", single=False)
    def archive(self, ids):
        if self.datamodel.obj is Session:
            archive_sessions(ids)
        else:
            try:
                done, refusals = ArchiveFormations(ids, g.user, posted_versions()).run()
            except Stale as stale:
                flash(str(stale), "danger")
                return redirect(self.get_redirect())
            flash(f"{done} formation(s) archivée(s) avec leurs sessions.", "success" if done else "warning")
            for reason in refusals[:MAX_REASONS]:
                flash(f"Non archivée — {reason}", "warning")
        return redirect(self.get_redirect())

