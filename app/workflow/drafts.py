"""Copy-on-write drafts of formations (SPEC G2, G3, C9).

*Demande de modification* copies a published formation, its certifications and its running
sessions (with every child row) into a draft. The draft is an ordinary formation row with
`draft_of` set, so the same forms, checks and child lists edit it; the published formation stays
in the lists, the searches and the LHEO export. Accepting the draft copies it back onto the
published rows — which keep their ids and references — and drops the draft.
"""
from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.models import Formation, Session
from app.models.workflow import FormationEtat, SessionEtat

# Columns never copied between a draft and its published record.
# The hold (G1) is the published formation's, set by managers: a draft neither carries nor undoes it,
# and a copy does not inherit it. Each row keeps its own version (issue 16): merging a draft raises
# the published rows' versions, it never sets them back.
_OWN = {"id", "reference", "etat", "draft_of_id", "in_draft", "created_at", "updated_at", "submitted_at",
        "en_suspens", "motif_suspension", "suspendue_le", "version"}
# Child lists of a session, copied row by row.
SESSION_CHILDREN = ("formateurs", "lieux", "financements", "recrutements", "cycles")
SESSION_M2M = ("rythmes", "modalites_pedagogiques", "blocs")
FORMATION_M2M = ("formacodes", "nsf", "romes")
# Sessions of the published formation that a draft does not carry (they cannot change: F14).
FROZEN_SESSIONS = (SessionEtat.TERMINEE, SessionEtat.ARCHIVEE)


def _columns(model) -> list[str]:
    return [c.key for c in sa_inspect(model).column_attrs if c.key not in _OWN]


def copy_row(row, **overrides):
    """A new row of the same model with the same column values (children not included)."""
    model = type(row)
    copy = model()
    for name in _columns(model):
        if name in ("session_id", "formation_id"):
            continue
        setattr(copy, name, getattr(row, name))
    for name, value in overrides.items():
        setattr(copy, name, value)
    return copy


def copy_session(db_session, session: Session, formation: Formation, **overrides) -> Session:
    """A copy of `session` and every child row, under `formation` (added to the database session)."""
    with db_session.no_autoflush:
        copy = copy_row(session, **overrides)
        for name in SESSION_M2M:
            setattr(copy, name, list(getattr(session, name)))
        for name in SESSION_CHILDREN:
            setattr(copy, name, [copy_row(child) for child in getattr(session, name)])
        copy.formation = formation
        db_session.add(copy)
    return copy


def open_draft(db_session, formation: Formation) -> Formation:
    """The draft of a published formation (a new one, or the one already open)."""
    existing = current_draft(db_session, formation)
    if existing is not None:
        return existing
    with db_session.no_autoflush:
        draft = copy_row(formation, etat=FormationEtat.BROUILLON, draft_of=formation)
        for name in FORMATION_M2M:
            setattr(draft, name, list(getattr(formation, name)))
        draft.certifications = [copy_row(link) for link in formation.certifications]
        db_session.add(draft)
    for session in formation.sessions:
        if session.etat in FROZEN_SESSIONS or session.in_draft:
            continue
        copy_session(db_session, session, draft, etat=SessionEtat.BROUILLON, in_draft=True, draft_of=session)
    db_session.add(draft)
    db_session.flush()
    return draft


def current_draft(db_session, formation: Formation) -> Formation | None:
    return db_session.execute(select(Formation).where(Formation.draft_of_id == formation.id)).scalars().first()


def merge_draft(db_session, draft: Formation) -> Formation:
    """Copy an accepted draft onto its published formation and drop the draft. The published
    rows keep their ids and references; their child rows are replaced by the draft's."""
    published = draft.draft_of
    pairs = [(session, session.draft_of) for session in draft.sessions]
    with db_session.no_autoflush:
        for name in _columns(Formation):
            setattr(published, name, getattr(draft, name))
        for name in FORMATION_M2M:
            setattr(published, name, list(getattr(draft, name)))
        for link in list(published.certifications):
            db_session.delete(link)
        for session, target in pairs:
            if target is None:
                continue
            for name in _columns(Session):
                if name != "formation_id":
                    setattr(target, name, getattr(session, name))
            for name in SESSION_M2M:
                setattr(target, name, list(getattr(session, name)))
            for name in SESSION_CHILDREN:
                for child in list(getattr(target, name)):
                    db_session.delete(child)
    db_session.flush()  # the replaced rows are gone before the draft's take their place (unique keys)
    db_session.expire(published, ["certifications", "sessions"])
    with db_session.no_autoflush:
        for link in list(draft.certifications):
            link.formation = published
        for session, target in pairs:
            if target is None:  # a session added in the draft joins the published formation
                session.formation = published
                session.in_draft = False
                continue
            db_session.expire(target, list(SESSION_CHILDREN))
            for name in SESSION_CHILDREN:
                for child in list(getattr(session, name)):
                    child.session = target
    db_session.flush()
    for session, target in pairs:
        if target is not None:
            db_session.expire(session, list(SESSION_CHILDREN))
            db_session.delete(session)
    db_session.flush()
    db_session.expire(draft, ["sessions", "certifications"])
    db_session.delete(draft)
    db_session.flush()
    db_session.expire(published, ["certifications", "sessions"])
    return published


def drop_draft(db_session, draft: Formation) -> Formation:
    """*Supprimer ma demande*: the draft goes, the published formation is untouched."""
    published = draft.draft_of
    db_session.delete(draft)
    return published
