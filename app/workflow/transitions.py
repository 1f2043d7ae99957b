"""The workflow of formations and their sessions (SPEC G1–G7, E11, K1, K4), declared in one table.

Each transition says from which states it may be fired, which state it leads to, by whom, on which
condition (guard), what it does (effect), whether a comment is required and who is told by e-mail.
The engine (app/workflow/engine.py) fires them and writes the history; the views, the manager
queue (one by one or in bulk) and the commands all go through `fire()`.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import object_session

from app.checks import formation_tree_problems
from app.models import Formation
from app.models.base import utcnow
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S
from app.validators import ERROR

from . import diffusion, drafts
from .engine import CONTACT, MANAGER, Depends, Transition, TransitionRefused, Workflow, first_reason
from .locks import IMPORTED
from .notify import notify_organisation

__all__ = ["CONTACT", "MANAGER", "FORMATION_WORKFLOW", "TRANSITIONS", "Transition", "TransitionRefused",
           "available", "blocking_problems", "fire"]


# --- guards: (formation, actor) -> French reason, None when allowed ---------------------------------

def _read_only_for_contacts(formation, actor):
    return IMPORTED if actor == CONTACT and formation.importee else None  # G7


def _drafts_only(formation, actor):
    if formation.draft_of_id is None:
        return ("Seul le brouillon d'une demande de modification peut être supprimé : la formation elle-même "
                "ne l'est jamais (demandez son archivage).")
    return None


def _not_a_draft(formation, actor):
    if formation.draft_of_id is not None:
        return "Action impossible sur une demande de modification : agissez sur la formation diffusée."
    return None


DRAFT_ALREADY_OPEN = ("Une demande de modification est déjà en cours : ouvrez son brouillon depuis la page de la "
                      "formation.")


def _no_open_draft(formation, actor):
    db_session = object_session(formation)
    if db_session is not None and drafts.current_draft(db_session, formation) is not None:
        return DRAFT_ALREADY_OPEN
    return None


def _no_archive_request(formation, actor):
    return "Une demande d'archivage est déjà en cours." if formation.archive_requested_at is not None else None


def _archive_requested(formation, actor):
    return "Aucune demande d'archivage n'est en cours." if formation.archive_requested_at is None else None


# --- effects: (db_session, formation, user, comment, **kwargs) -> the formation to show next ------

def _set_sessions(formation: Formation, etat: str, today: date | None) -> None:
    today = today or date.today()
    for session in formation.sessions:
        if session.etat in drafts.FROZEN_SESSIONS:
            continue
        session.etat = S.TERMINEE if etat == S.DIFFUSEE and session.fin and session.fin < today else etat


def _sessions_follow(etat):
    """Effect: the running sessions take `etat` with their formation."""
    def effect(db_session, formation, user, comment, today=None, **_):
        _set_sessions(formation, etat, today)
    return effect


def _submit(db_session, formation, user, comment, today=None, **_):
    formation.submitted_at = utcnow()
    _set_sessions(formation, S.EN_ATTENTE, today)


def _request_change(db_session, formation, user, comment, **_):
    return drafts.open_draft(db_session, formation)


def _drop_request(db_session, formation, user, comment, **_):
    return drafts.drop_draft(db_session, formation)


def _accept(db_session, formation, user, comment, today=None, **_):
    published = drafts.merge_draft(db_session, formation) if formation.draft_of_id else formation
    _set_sessions(published, S.DIFFUSEE, today)
    return published


def _reject(db_session, formation, user, comment, today=None, **_):
    if formation.draft_of_id:  # a refused change is dropped; the published version stays
        return drafts.drop_draft(db_session, formation)
    _set_sessions(formation, S.NON_DIFFUSEE, today)
    return formation


def _request_archive(db_session, formation, user, comment, motif=None, **_):
    formation.archive_requested_at = utcnow()
    formation.motif_archivage = motif
    formation.commentaire_archivage = comment


def _archive(db_session, formation, user, comment, motif=None, **_):
    from .archive import archive_sessions

    draft = drafts.current_draft(db_session, formation)
    if draft is not None:  # a pending change of an archived formation has nothing left to change
        db_session.delete(draft)
    formation.motif_archivage = motif or formation.motif_archivage
    formation.commentaire_archivage = comment or formation.commentaire_archivage
    formation.archive_requested_at = None
    archive_sessions(db_session, formation.sessions, author=user, comment=formation.commentaire_archivage)


def _refuse_archive(db_session, formation, user, comment, **_):
    formation.archive_requested_at = None


# --- the table -----------------------------------------------------------------------------------

# A draft goes back to *brouillon*, a new formation to *en cours de création*: the same button
# serves both, so the target depends on the record.
_BACK_TO_EDITING = Depends(lambda f: F.BROUILLON if f.draft_of_id else F.EN_CREATION,
                           frozenset({F.BROUILLON, F.EN_CREATION}))
# A refused change is dropped and the published formation keeps its state (None); a refused new
# formation is *non diffusée*.
_REFUSED = Depends(lambda f: None if f.draft_of_id else F.NON_DIFFUSEE, frozenset({None, F.NON_DIFFUSEE}))
_EVERYONE = frozenset({CONTACT, MANAGER})

FORMATION_WORKFLOW = Workflow.declare(
    Transition("submit", "Soumettre pour validation",
               frozenset({F.EN_CREATION, F.BROUILLON, F.COMPLEMENT, F.NON_DIFFUSEE}), F.EN_ATTENTE, _EVERYONE,
               effect=_submit, history="Soumission pour validation", checked=True, style="primary",
               done="Formation soumise au Carif-Oref : elle apparaît dans sa file de validation.",
               confirm="Soumettre la formation et ses sessions au Carif-Oref pour validation ? Vous ne pourrez "
                       "plus la modifier tant qu'elle est en attente, sauf à annuler votre demande."),
    Transition("cancel", "Annuler ma demande de vérification", frozenset({F.EN_ATTENTE}), _BACK_TO_EDITING,
               _EVERYONE, effect=_sessions_follow(S.BROUILLON), history="Annulation de la demande de vérification",
               done="Demande de vérification annulée : vous pouvez de nouveau modifier la formation.",
               confirm="Reprendre la formation pour la modifier ? Elle quitte la file de validation."),
    # The target is the draft's state: the draft is what the user edits next; the published
    # formation stays diffusée (G2).
    Transition("request_change", "Demande de modification", frozenset({F.DIFFUSEE}), F.BROUILLON, _EVERYONE,
               guard=first_reason(_not_a_draft, _no_open_draft), effect=_request_change,
               history="Demande de modification", style="primary",
               done="Brouillon ouvert : modifiez la formation et ses sessions, puis soumettez-les pour validation.",
               confirm="Ouvrir un brouillon de la formation et de ses sessions en cours ? La version diffusée reste "
                       "en ligne jusqu'à la validation de vos changements."),
    # The draft goes; the published formation, shown next, keeps its state.
    Transition("drop_request", "Supprimer ma demande", frozenset({F.BROUILLON, F.COMPLEMENT}), None, _EVERYONE,
               guard=_drafts_only, effect=_drop_request, history="Suppression de la demande de modification",
               style="danger", done="Demande supprimée : la version diffusée n'a pas changé.",
               confirm="Supprimer le brouillon et toutes ses modifications ? La version diffusée n'est pas touchée."),
    # Accepting a draft folds it into the published formation, which is diffusée.
    # A formation withdrawn by the nightly job for its ended sessions (G1) is diffused again: its
    # history says which new session brought it back (diffusion.back_on_air).
    Transition("accept", "Valider", frozenset({F.EN_ATTENTE}), F.DIFFUSEE, frozenset({MANAGER}), effect=_accept,
               history=diffusion.VALIDATED, notify=True, checked=True, style="success", after=diffusion.back_on_air,
               confirm="Valider et diffuser la formation ?",
               done="Formation validée et diffusée ; l'organisme est prévenu par e-mail."),
    Transition("ask_information", "Demander un complément d'information", frozenset({F.EN_ATTENTE}), F.COMPLEMENT,
               frozenset({MANAGER}), effect=_sessions_follow(S.COMPLEMENT),
               history="Demande de complément d'information", comment_required=True, notify=True, style="warning",
               confirm="Renvoyer la formation à l'organisme avec votre demande ?",
               done="Demande de complément envoyée à l'organisme."),
    # A request: the formation keeps its state (and stays published) until the manager decides.
    Transition("request_archive", "Archiver la formation",
               frozenset({F.EN_CREATION, F.DIFFUSEE, F.COMPLEMENT, F.NON_DIFFUSEE}), None, frozenset({CONTACT}),
               guard=first_reason(_not_a_draft, _no_archive_request), effect=_request_archive,
               history="Demande d'archivage", comment_required=True, needs_motif=True,
               required=(("motif", "Choisissez le motif de l'archivage."),),
               confirm="Demander au Carif-Oref d'archiver la formation et ses sessions ? Indiquez le motif.",
               done="Demande d'archivage envoyée au Carif-Oref."),
    Transition("archive", "Archiver", frozenset(set(F.LABELS) - {F.ARCHIVEE, F.BROUILLON}), F.ARCHIVEE,
               frozenset({MANAGER}), guard=_not_a_draft, effect=_archive, history="Archivage", needs_motif=True,
               notify=True, confirm="Archiver la formation et toutes ses sessions ? Rien n'est supprimé.",
               done="Formation archivée avec ses sessions."),
    Transition("refuse_archive", "Refuser l'archivage", frozenset(set(F.LABELS) - {F.ARCHIVEE}), None,
               frozenset({MANAGER}), guard=_archive_requested, effect=_refuse_archive,
               history="Refus de l'archivage", comment_required=True, notify=True,
               confirm="Refuser la demande d'archivage ? La formation reste dans son état.",
               done="Demande d'archivage refusée ; l'organisme est prévenu."),
    Transition("reject", "Refuser", frozenset({F.EN_ATTENTE}), _REFUSED, frozenset({MANAGER}), effect=_reject,
               history="Refus", comment_required=True, notify=True, style="danger",
               confirm="Refuser la demande ? Une modification refusée est abandonnée ; la version diffusée reste.",
               done="Demande refusée ; l'organisme est prévenu par e-mail."),
    states=F.LABELS, initial=F.EN_CREATION, history_entity="formation",
    history_subject=lambda f: f.draft_of or f,  # a draft's history is its published formation's
    refused="Action impossible : la formation est « {state} ».",
    guard=_read_only_for_contacts, checks=lambda f: blocking_problems(f), notify=notify_organisation,
)
TRANSITIONS: dict[str, Transition] = FORMATION_WORKFLOW.transitions


def blocking_problems(formation: Formation) -> list:
    """Errors of the formation and of each of its running sessions: they block submitting and
    accepting."""
    return [p for p in formation_tree_problems(formation) if p.severity == ERROR]


def available(formation: Formation, actor: str) -> list[Transition]:
    """The transitions `actor` may fire on `formation` now (buttons on its page)."""
    return FORMATION_WORKFLOW.available(formation, actor)


def fire(db_session, name: str, formation: Formation, user, actor: str, comment: str | None = None,
         today: date | None = None, motif=None, before_commit=None) -> Formation:
    """Fire transition `name`; returns the formation to show next (the draft, or the published
    formation once a draft is accepted or dropped). Raises TransitionRefused with the reason."""
    return FORMATION_WORKFLOW.fire(db_session, name, formation, user, actor, comment, before_commit=before_commit,
                                   today=today, motif=motif)
