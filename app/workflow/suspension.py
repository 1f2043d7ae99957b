"""Formations on hold (SPEC G1: *non diffusée … on hold, e.g. habilitation or RNCP renewal*).

A manager puts a formation on hold with a reason and lifts it; while on hold it leaves every LHEO
export and partner flow (app/lheo/load.py, app/checks/partners.py say why), and its pages show the
reason. A flag beside the état rather than a new état: the formation keeps its état — diffusée,
non diffusée, en attente… — so the validation queue, the drafts and the nightly *non diffusée* of
ended formations go on as before, and lifting the hold needs no memory of what the état was.

The hold is its own small state machine on the engine (the `en_suspens` flag is its state):
history, comment and e-mail are the engine's, like every other transition.
"""
from __future__ import annotations

from app.models.base import utcnow
from app.models.workflow import FormationEtat as F

from .engine import MANAGER, Transition, Workflow
from .notify import notify_organisation

LABELS = {False: "non suspendue", True: "en suspens"}


def _holdable(formation, actor):
    if formation.draft_of_id is not None:
        return "Action impossible sur une demande de modification : agissez sur la formation diffusée."
    if formation.etat == F.ARCHIVEE:
        return "Cette formation est archivée : elle ne peut pas être mise en suspens."
    return None


def _hold(db_session, formation, user, comment, **_):
    formation.motif_suspension = comment
    formation.suspendue_le = utcnow()


def _lift(db_session, formation, user, comment, **_):
    formation.motif_suspension = None
    formation.suspendue_le = None


SUSPENSION_WORKFLOW = Workflow.declare(
    Transition("hold", "Mettre en suspens", frozenset({False}), True, frozenset({MANAGER}), guard=_holdable,
               effect=_hold, history="Mise en suspens", comment_required=True, notify=True, style="warning",
               confirm="Mettre la formation en suspens ? Elle garde son état mais n'est plus exportée ni envoyée "
                       "aux partenaires tant que la suspension n'est pas levée.",
               done="Formation mise en suspens : elle n'est plus exportée ni envoyée aux partenaires."),
    Transition("lift_hold", "Lever la suspension", frozenset({True}), False, frozenset({MANAGER}),
               effect=_lift, history="Levée de la suspension", notify=True, style="success",
               confirm="Lever la suspension ? La formation retrouve sa diffusion selon son état.",
               done="Suspension levée : la formation retrouve sa diffusion selon son état."),
    states=LABELS, initial=False, state_attr="en_suspens", history_entity="formation",
    refused="Action impossible : la formation est « {state} ».", notify=notify_organisation,
)
TRANSITIONS = SUSPENSION_WORKFLOW.transitions


def hold_notice(formation) -> str:
    """The banner of an on-hold formation's pages (and its sessions' and draft's), French."""
    formation = formation.draft_of or formation
    if not formation.en_suspens:
        return ""
    since = f" depuis le {formation.suspendue_le:%d/%m/%Y}" if formation.suspendue_le else ""
    return (f"Formation en suspens{since} : {formation.motif_suspension or 'motif non précisé'}. Elle n'est ni "
            "exportée ni envoyée aux partenaires tant que le Carif-Oref n'a pas levé la suspension.")
