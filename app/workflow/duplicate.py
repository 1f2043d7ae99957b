"""Duplication (SPEC F14, E12): a session is copied with everything but its dates, its lieux
and contact flagged for checking; only the Carif-Oref duplicates formations. These functions
copy and flush; the commands (app/commands/duplicate.py) check scope, permission and state first
and commit."""
from __future__ import annotations

from app.models import Formation, Session
from app.models.workflow import FormationEtat, SessionEtat

from . import drafts
from .history import record

# History of a copy (action, and a comment naming its source): the commands also read them back
# to recognise a form sent twice.
# A copy is the portal's own record: it leaves the imported identity behind (J4, G7).
NOT_IMPORTED_FORMATION = dict(source=None, source_numero=None, importee_le=None, empreinte=None, lheo=None)
NOT_IMPORTED_SESSION = dict(action_id=None, source_numero=None, empreinte=None, lheo=None)
COPIED = "Duplication"
COPIED_FOR_NEXT_YEAR = "Duplication pour la rentrée suivante"


def copy_comment(source) -> str:
    kind = "formation" if isinstance(source, Formation) else "session"
    return f"Copie de la {kind} {source.reference}."


def next_year_comment(session: Session) -> str:
    return f"Copie de la session {session.reference}, dates décalées d'un an."


def duplicate_session(db_session, session: Session, author=None) -> Session:
    """A new draft session like `session`, dates cleared, lieux and contact to be checked. On a
    published formation the copy goes into its draft (opened if needed), so it is validated."""
    formation = session.formation
    in_draft = formation.draft_of_id is not None
    if formation.etat == FormationEtat.DIFFUSEE and not in_draft:
        formation = drafts.open_draft(db_session, formation)
        in_draft = True
        record(db_session, session.formation, "Demande de modification", author,
               f"Ouverte pour dupliquer la session {session.reference}.")
    copy = drafts.copy_session(db_session, session, formation, etat=SessionEtat.BROUILLON, in_draft=in_draft, draft_of=None,
                               debut=None, fin=None, contact_a_verifier=True, **NOT_IMPORTED_SESSION)
    for link in copy.lieux:
        link.a_verifier = True
    copy.recrutements = []  # dated events belong to the old session
    db_session.flush()
    record(db_session, copy, COPIED, author, copy_comment(session))
    return copy


def duplicate_formation(db_session, formation: Formation, author=None) -> Formation:
    """E12 (managers): a new formation in creation, with its certifications and a copy of each
    running session (dates cleared)."""
    copy = drafts.copy_row(formation, etat=FormationEtat.EN_CREATION, draft_of=None, importee=False,
                           intitule=f"{formation.intitule} (copie)"[:255], **NOT_IMPORTED_FORMATION)
    db_session.add(copy)
    for name in drafts.FORMATION_M2M:
        setattr(copy, name, list(getattr(formation, name)))
    copy.certifications = [drafts.copy_row(link) for link in formation.certifications]
    for session in formation.sessions:
        if session.etat == SessionEtat.ARCHIVEE or session.in_draft:
            continue
        new = drafts.copy_session(db_session, session, copy, etat=SessionEtat.BROUILLON, in_draft=False, draft_of=None,
                                  debut=None, fin=None, contact_a_verifier=True, **NOT_IMPORTED_SESSION)
        new.recrutements = []
        for link in new.lieux:
            link.a_verifier = True
    db_session.add(copy)
    db_session.flush()
    record(db_session, copy, COPIED, author, copy_comment(formation))
    return copy


def next_year(day):
    """The same day one year later (29 February becomes 28 February)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def rentree_preview(sessions) -> list[dict]:
    """What `duplicate_for_next_year` would create, each copy checked first: new dates and the
    problems that would block it (dates, certification still registered and active), as French
    messages; the rules are app/validators' F1, F2 and F14."""
    from app.checks import principal_certification
    from app.validators import check_next_year_copy, check_session_dates, check_start_before_certification_end

    rows = []
    for session in sessions:
        debut, fin = next_year(session.debut), next_year(session.fin)
        problems = check_session_dates(debut, fin)
        certification = principal_certification(session.formation)
        if certification is not None:
            problems += check_start_before_certification_end(debut, certification.date_fin_enregistrement)
        problems += check_next_year_copy(
            certification_code=certification.code if certification is not None else "",
            certification_active=certification is None or bool(certification.actif),
            formation_etat_libelle=session.formation.etat_libelle,
            formation_takes_sessions=session.formation.etat not in (FormationEtat.ARCHIVEE, FormationEtat.EN_ATTENTE),
        )
        rows.append({"session": session, "debut": debut, "fin": fin, "problems": [p.message for p in problems]})
    return rows


def duplicate_for_next_year(db_session, rows, author=None) -> tuple[list[Session], list[dict]]:
    """Copies one year later (F14 applied to a whole rentrée) of the sessions of `rows`, the
    preview's rows checked by the command: rows with problems are skipped and returned. Published
    formations receive their copies through a draft, so they are validated."""
    created, skipped = [], []
    for row in rows:
        if row["problems"]:
            skipped.append(row)
            continue
        session = row["session"]
        formation = session.formation
        in_draft = formation.draft_of_id is not None
        if formation.etat == FormationEtat.DIFFUSEE and not in_draft:
            formation = drafts.open_draft(db_session, formation)
            in_draft = True
        copy = drafts.copy_session(db_session, session, formation, etat=SessionEtat.BROUILLON, in_draft=in_draft,
                                   draft_of=None, debut=row["debut"], fin=row["fin"], contact_a_verifier=True,
                                   **NOT_IMPORTED_SESSION)
        copy.recrutements = []
        for link in copy.lieux:
            link.a_verifier = True
        db_session.flush()
        record(db_session, copy, COPIED_FOR_NEXT_YEAR, author, next_year_comment(session))
        created.append(copy)
    return created, skipped
