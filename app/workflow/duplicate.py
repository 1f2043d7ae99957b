"""Duplication (SPEC F14, E12): a session is copied with everything but its dates, its lieux
and contact flagged for checking; only the Carif-Oref duplicates formations."""
from __future__ import annotations

from app.models import Formation, Session
from app.models.workflow import FormationEtat, SessionEtat

from . import drafts
from .history import record


def duplicate_session(db_session, session: Session, author=None) -> Session:
    """A new draft session like `session`, dates cleared, lieux and contact to be checked. On a
    published formation the copy goes into its draft (opened if needed), so it is validated."""
    formation = session.formation
    in_draft = formation.draft_of_id is not None
    if formation.etat in (FormationEtat.DIFFUSEE, FormationEtat.EN_ATTENTE) and not in_draft:
        if formation.etat == FormationEtat.EN_ATTENTE:
            raise ValueError("La formation est en attente de validation : annulez votre demande de vérification "
                             "avant de dupliquer une session.")
        formation = drafts.open_draft(db_session, formation)
        in_draft = True
        record(db_session, session.formation, "Demande de modification", author,
               f"Ouverte pour dupliquer la session {session.reference}.")
    copy = drafts.copy_session(db_session, session, formation, etat=SessionEtat.BROUILLON, in_draft=in_draft, draft_of=None,
                               debut=None, fin=None, contact_a_verifier=True)
    for link in copy.lieux:
        link.a_verifier = True
    copy.recrutements = []  # dated events belong to the old session
    db_session.flush()
    record(db_session, copy, "Duplication", author, f"Copie de la session {session.reference}.")
    db_session.commit()
    return copy


def duplicate_formation(db_session, formation: Formation, author=None) -> Formation:
    """E12 (managers): a new formation in creation, with its certifications and a copy of each
    running session (dates cleared)."""
    copy = drafts.copy_row(formation, etat=FormationEtat.EN_CREATION, draft_of=None, importee=False,
                           intitule=f"{formation.intitule} (copie)"[:255])
    db_session.add(copy)
    for name in drafts.FORMATION_M2M:
        setattr(copy, name, list(getattr(formation, name)))
    copy.certifications = [drafts.copy_row(link) for link in formation.certifications]
    for session in formation.sessions:
        if session.etat == SessionEtat.ARCHIVEE or session.in_draft:
            continue
        new = drafts.copy_session(db_session, session, copy, etat=SessionEtat.BROUILLON, in_draft=False, draft_of=None,
                                  debut=None, fin=None, contact_a_verifier=True)
        new.recrutements = []
        for link in new.lieux:
            link.a_verifier = True
    db_session.add(copy)
    db_session.flush()
    record(db_session, copy, "Duplication", author, f"Copie de la formation {formation.reference}.")
    db_session.commit()
    return copy
