"""The workflow of formations and their sessions (SPEC G1–G6, E11, K1, K4), declared in one table.

Each transition says from which states it may be fired, by whom, whether a comment is required,
who is told by e-mail and what goes into the history. `fire()` is the only way states change:
the views, the manager queue (one by one or in bulk) and the commands all call it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from app.checks import formation_tree_problems
from app.models import Formation
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.validators import ERROR

from . import drafts
from .history import record
from .notify import notify_organisation

CONTACT, MANAGER = "contact", "manager"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # button and history wording, French
    sources: frozenset[str]  # formation states it may be fired from
    actors: frozenset[str]  # CONTACT and/or MANAGER
    history: str  # action written into the history
    confirm: str = ""  # confirmation question shown before firing
    comment_required: bool = False
    notify: bool = False  # e-mail the organisation's users (acceptance, rejection, information)
    checked: bool = False  # the record checks' errors block it
    drafts_only: bool = False  # only for a draft (a *Demande de modification*)
    style: str = "default"  # button colour
    done: str = ""  # message once fired
    needs_motif: bool = False  # a reason from the archive-reasons list (E11)


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", "Soumettre pour validation",
               frozenset({F.EN_CREATION, F.BROUILLON, F.COMPLEMENT, F.NON_DIFFUSEE}), frozenset({CONTACT, MANAGER}),
               "Soumission pour validation", checked=True, style="primary",
               done="Formation soumise au Carif-Oref : elle apparaît dans sa file de validation.",
               confirm="Soumettre la formation et ses sessions au Carif-Oref pour validation ? Vous ne pourrez "
                       "plus la modifier tant qu'elle est en attente, sauf à annuler votre demande."),
    Transition("cancel", "Annuler ma demande de vérification", frozenset({F.EN_ATTENTE}),
               frozenset({CONTACT, MANAGER}), "Annulation de la demande de vérification",
               done="Demande de vérification annulée : vous pouvez de nouveau modifier la formation.",
               confirm="Reprendre la formation pour la modifier ? Elle quitte la file de validation."),
    Transition("request_change", "Demande de modification", frozenset({F.DIFFUSEE}), frozenset({CONTACT, MANAGER}),
               "Demande de modification", style="primary",
               done="Brouillon ouvert : modifiez la formation et ses sessions, puis soumettez-les pour validation.",
               confirm="Ouvrir un brouillon de la formation et de ses sessions en cours ? La version diffusée reste "
                       "en ligne jusqu'à la validation de vos changements."),
    Transition("drop_request", "Supprimer ma demande", frozenset({F.BROUILLON, F.COMPLEMENT}),
               frozenset({CONTACT, MANAGER}), "Suppression de la demande de modification", drafts_only=True,
               style="danger", done="Demande supprimée : la version diffusée n'a pas changé.",
               confirm="Supprimer le brouillon et toutes ses modifications ? La version diffusée n'est pas touchée."),
    Transition("accept", "Valider", frozenset({F.EN_ATTENTE}), frozenset({MANAGER}), "Validation",
               notify=True, checked=True, style="success", confirm="Valider et diffuser la formation ?",
               done="Formation validée et diffusée ; l'organisme est prévenu par e-mail."),
    Transition("ask_information", "Demander un complément d'information", frozenset({F.EN_ATTENTE}),
               frozenset({MANAGER}), "Demande de complément d'information", comment_required=True, notify=True,
               style="warning", confirm="Renvoyer la formation à l'organisme avec votre demande ?",
               done="Demande de complément envoyée à l'organisme."),
    Transition("request_archive", "Archiver la formation",
               frozenset({F.EN_CREATION, F.DIFFUSEE, F.COMPLEMENT, F.NON_DIFFUSEE}), frozenset({CONTACT}),
               "Demande d'archivage", comment_required=True, needs_motif=True, style="default",
               confirm="Demander au Carif-Oref d'archiver la formation et ses sessions ? Indiquez le motif.",
               done="Demande d'archivage envoyée au Carif-Oref."),
    Transition("archive", "Archiver", frozenset(set(F.LABELS) - {F.ARCHIVEE, F.BROUILLON}), frozenset({MANAGER}),
               "", needs_motif=True, style="default",
               confirm="Archiver la formation et toutes ses sessions ? Rien n'est supprimé.",
               done="Formation archivée avec ses sessions.", notify=True),
    Transition("refuse_archive", "Refuser l'archivage", frozenset(set(F.LABELS) - {F.ARCHIVEE}),
               frozenset({MANAGER}), "Refus de l'archivage", comment_required=True, notify=True,
               confirm="Refuser la demande d'archivage ? La formation reste dans son état.",
               done="Demande d'archivage refusée ; l'organisme est prévenu."),
    Transition("reject", "Refuser", frozenset({F.EN_ATTENTE}), frozenset({MANAGER}), "Refus",
               comment_required=True, notify=True, style="danger",
               confirm="Refuser la demande ? Une modification refusée est abandonnée ; la version diffusée reste.",
               done="Demande refusée ; l'organisme est prévenu par e-mail."),
)}


class TransitionRefused(ValueError):
    """A transition that cannot be fired; the message is French and shown to the user."""


def available(formation: Formation, actor: str) -> list[Transition]:
    """The transitions `actor` may fire on `formation` now (buttons on its page)."""
    return [t for t in TRANSITIONS.values() if _allowed(t, formation, actor)]


def _allowed(transition: Transition, formation: Formation, actor: str) -> bool:
    if actor not in transition.actors or formation.etat not in transition.sources:
        return False
    if transition.drafts_only and formation.draft_of_id is None:
        return False
    if transition.name in ("request_change", "request_archive", "archive") and formation.draft_of_id is not None:
        return False
    if transition.name == "request_archive" and formation.archive_requested_at is not None:
        return False
    if transition.name == "refuse_archive" and formation.archive_requested_at is None:
        return False
    return not (actor == CONTACT and formation.importee)  # G7: imported formations are read-only


def blocking_problems(formation: Formation) -> list:
    """Errors of the formation and of each of its running sessions: they block submitting and
    accepting."""
    return [p for p in formation_tree_problems(formation) if p.severity == ERROR]


def fire(db_session, name: str, formation: Formation, user, actor: str, comment: str | None = None,
         today: date | None = None, motif=None) -> Formation:
    """Fire transition `name`; returns the formation to show next (the draft, or the published
    formation once a draft is accepted or dropped). Raises TransitionRefused with the reason."""
    transition = TRANSITIONS.get(name)
    if transition is None or not _allowed(transition, formation, actor):
        raise TransitionRefused(f"Action impossible : la formation est « {formation.etat_libelle} ».")
    comment = (comment or "").strip() or None
    if transition.comment_required and not comment:
        raise TransitionRefused("Un commentaire est obligatoire pour cette action : il est envoyé à l'organisme.")
    if transition.needs_motif and actor == CONTACT and motif is None:
        raise TransitionRefused("Choisissez le motif de l'archivage.")
    if transition.checked:
        problems = blocking_problems(formation)
        if problems:
            raise TransitionRefused(
                f"{len(problems)} erreur(s) à corriger avant de soumettre : " + " ; ".join(p.message for p in problems[:5])
                + (" …" if len(problems) > 5 else ""))
    published = formation.draft_of or formation  # the history follows the published formation
    if transition.needs_motif:
        result = _APPLY[name](db_session, formation, today or date.today(), motif=motif, comment=comment,
                              user=user)
    else:
        result = _APPLY[name](db_session, formation, today or date.today())
    if transition.history:
        record(db_session, published, transition.history, user, comment)
    db_session.commit()
    if transition.notify:  # after the commit: a mail server that fails cannot undo the decision
        notify_organisation(published, transition.history or "Archivage", comment)
    return result


def _set_sessions(formation: Formation, etat: str, today: date) -> None:
    for session in formation.sessions:
        if session.etat in drafts.FROZEN_SESSIONS:
            continue
        session.etat = S.TERMINEE if etat == S.DIFFUSEE and session.fin and session.fin < today else etat


def _submit(db_session, formation, today):
    formation.etat = F.EN_ATTENTE
    formation.submitted_at = datetime.now(timezone.utc).replace(tzinfo=None)
    _set_sessions(formation, S.EN_ATTENTE, today)
    return formation


def _cancel(db_session, formation, today):
    formation.etat = F.BROUILLON if formation.draft_of_id else F.EN_CREATION
    _set_sessions(formation, S.BROUILLON, today)
    return formation


def _request_change(db_session, formation, today):
    return drafts.open_draft(db_session, formation)


def _drop_request(db_session, formation, today):
    return drafts.drop_draft(db_session, formation)


def _accept(db_session, formation, today):
    published = drafts.merge_draft(db_session, formation) if formation.draft_of_id else formation
    published.etat = F.DIFFUSEE
    _set_sessions(published, S.DIFFUSEE, today)
    return published


def _ask_information(db_session, formation, today):
    formation.etat = F.COMPLEMENT
    _set_sessions(formation, S.COMPLEMENT, today)
    return formation


def _reject(db_session, formation, today):
    if formation.draft_of_id:  # a refused change is dropped; the published version stays
        return drafts.drop_draft(db_session, formation)
    formation.etat = F.NON_DIFFUSEE
    _set_sessions(formation, S.NON_DIFFUSEE, today)
    return formation


def _request_archive(db_session, formation, today, motif=None, comment=None, user=None):
    formation.archive_requested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    formation.motif_archivage = motif
    formation.commentaire_archivage = comment
    return formation


def _archive(db_session, formation, today, motif=None, comment=None, user=None):
    from .archive import archive

    draft = drafts.current_draft(db_session, formation)
    if draft is not None:  # a pending change of an archived formation has nothing left to change
        db_session.delete(draft)
    archive(db_session, [formation], author=user, comment=comment or formation.commentaire_archivage,
            motif=motif or formation.motif_archivage)
    formation.archive_requested_at = None
    return formation


def _refuse_archive(db_session, formation, today):
    formation.archive_requested_at = None
    return formation


_APPLY = {
    "request_archive": _request_archive, "archive": _archive, "refuse_archive": _refuse_archive,
    "submit": _submit, "cancel": _cancel, "request_change": _request_change, "drop_request": _drop_request,
    "accept": _accept, "ask_information": _ask_information, "reject": _reject,
}
