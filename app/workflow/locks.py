"""Which records may be changed now (SPEC G2, G4, G7, F14): one answer for every entry point.

An organisation changes a formation, its certifications, sessions and their child rows only in
the editable states (en cours de création, brouillon, complément demandé, non diffusée); a
published formation is changed through a draft (*Demande de modification*), a pending one after
*Annuler ma demande de vérification*. Nobody changes a finished or archived session (F14): it can
only be duplicated. Imported formations are read-only for organisations (G7).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import inspect as sa_inspect

from app.models import Formation, FormationCertification, Session
from app.models.workflow import FormationEtat as F
from app.models.workflow import SessionEtat as S

MESSAGES = {
    F.DIFFUSEE: "Cette formation est diffusée : cliquez sur « Demande de modification » pour la changer ; la "
                "version diffusée reste en ligne jusqu'à la validation de vos changements.",
    F.EN_ATTENTE: "Cette formation est en attente de validation : cliquez sur « Annuler ma demande de "
                  "vérification » pour la modifier.",
    F.ARCHIVEE: "Cette formation est archivée : elle ne peut plus être modifiée.",
}
SESSION_FINISHED = ("Cette session est terminée : elle ne peut plus être modifiée, seulement dupliquée "
                    "(bouton « Dupliquer la session »).")
SESSION_ARCHIVED = "Cette session est archivée : elle ne peut plus être modifiée, seulement dupliquée."
IMPORTED = "Cette formation est importée d'un autre système : elle est en lecture seule."


def session_frozen(etat: str | None, fin: date | None, today: date) -> str | None:
    """F14, F15: why a session as saved (état, end date) can no longer change; None when it can.
    Bulk actions read these two columns and ask here, as `lock_reason` does for one record."""
    if etat == S.ARCHIVEE:
        return SESSION_ARCHIVED
    if fin is not None and fin < today:
        return SESSION_FINISHED
    return None


def _saved(item, attr: str):
    """The value as saved in the database (a form may have changed it in memory)."""
    state = sa_inspect(item)
    if state.transient or state.pending:
        return getattr(item, attr)
    history = state.attrs[attr].history
    return history.deleted[0] if history.deleted else getattr(item, attr)


def owners(item) -> tuple[Formation | None, Session | None]:
    if isinstance(item, Formation):
        return item, None
    if isinstance(item, FormationCertification):
        return item.formation, None
    if isinstance(item, Session):
        return item.formation, item
    session = getattr(item, "session", None)
    if isinstance(session, Session):
        return session.formation, session
    return None, None


def lock_reason(item, *, manager: bool, today: date | None = None) -> str | None:
    """Why `item` cannot be saved or deleted by this user now, in French; None when it can."""
    formation, session = owners(item)
    if session is not None and not sa_inspect(session).transient and session.id is not None:
        frozen = session_frozen(_saved(session, "etat"), _saved(session, "fin"), today or date.today())
        if frozen:
            return frozen
    if manager or formation is None or formation.id is None:
        return None
    if _saved(formation, "importee"):
        return IMPORTED
    etat = _saved(formation, "etat")
    if etat in F.EDITABLE:
        return None
    return MESSAGES.get(etat, f"Cette formation est « {F.LABELS.get(etat, etat)} » : elle ne peut pas être modifiée.")
