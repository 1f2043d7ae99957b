"""H3: actualités posted by managers, shown on every dashboard from their publication day until
the day before their expiry, to their audience (everyone, or the organisations' contacts only),
each reader's read state kept (opened, or *Marquer comme lue*)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, delete, select
from sqlalchemy.exc import IntegrityError

from app.checks.richtext import sanitize_rich_text
from app.commands import Invalid
from app.commands._access import require_permission
from app.commands.exceptions import NotFound
from app.extensions import db
from app.models import Actualite, ActualiteAudience, ActualiteRead
from app.models.base import utcnow
from app.security.permissions import ACTION_ADD, ACTION_DELETE, ACTION_EDIT, RESOURCE_ACTUALITE
from app.security.scope import actualite_on_air, is_manager, scoped
from app.validators import Problem
from app.validators.common import text
from app.validators.communication import check_actualite

DASHBOARD_LIMIT = 10  # actualités on a dashboard (the Actualités page lists them all)
MANAGED_LIMIT = 500


@dataclass(frozen=True)
class ActualiteItem:
    actualite: Actualite
    read: bool


def audiences(user) -> tuple[str, ...]:
    """The audiences a user belongs to: everyone's, and the contacts' for a contact OF. Managers
    see the contacts' actualités in their management list, not on their dashboard."""
    return (ActualiteAudience.TOUS,) if is_manager(user) else (ActualiteAudience.TOUS, ActualiteAudience.CONTACTS)


def current_actualites(user, limit: int | None = DASHBOARD_LIMIT, today: date | None = None) -> list[ActualiteItem]:
    """The actualités on air for `user`'s audience, the newest first, each with his read state:
    one query. Empty for an anonymous visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    read = (ActualiteRead.actualite_id == Actualite.id) & (ActualiteRead.user_id == user.id)
    statement = (select(Actualite, ActualiteRead.read_at).outerjoin(ActualiteRead, read)
                 .where(actualite_on_air(today), Actualite.audience.in_(audiences(user)))
                 .order_by(Actualite.publication.desc(), Actualite.id.desc()))
    if limit:
        statement = statement.limit(limit)
    rows = db.session.execute(scoped(statement, Actualite, write=False, user=user)).all()
    return [ActualiteItem(actualite, read_at is not None) for actualite, read_at in rows]


def status(actualite: Actualite, today: date | None = None) -> str:
    """French state of an actualité for the managers' list."""
    today = today or date.today()
    if actualite.publication > today:
        return "À venir"
    if actualite.expiration is not None and actualite.expiration <= today:
        return "Expirée"
    return "En ligne"


def managed_actualites(user, limit: int = MANAGED_LIMIT) -> list[Actualite]:
    """Every actualité (managers), those on air first, then the coming ones, then the expired."""
    today = date.today()
    rank = case((actualite_on_air(today), 0), (Actualite.publication > today, 1), else_=2)
    statement = select(Actualite).order_by(rank, Actualite.publication.desc(), Actualite.id.desc()).limit(limit)
    return list(db.session.execute(scoped(statement, Actualite, write=False, user=user)).scalars())


def readable_actualite(pk: int, user) -> Actualite:
    """Actualité `pk` if the user may read it (contacts: on air only), else NotFound."""
    actualite = db.session.execute(scoped(select(Actualite).where(Actualite.id == pk), Actualite,
                                          write=False, user=user)).scalar()
    if actualite is None:
        raise NotFound()
    return actualite


def is_read(actualite: Actualite, user) -> bool:
    return db.session.get(ActualiteRead, (actualite.id, user.id)) is not None


def mark_read(actualite: Actualite, user) -> None:
    """The user has read the actualité (kept once; a second mark changes nothing)."""
    if is_read(actualite, user):
        return
    db.session.add(ActualiteRead(actualite_id=actualite.id, user_id=user.id, read_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # the same user's other request marked it a moment ago
        db.session.rollback()


def save_actualite(user, values: dict, actualite: Actualite | None = None) -> Actualite:
    """Create (actualite None) or change an actualité from `values` (title, text, publication,
    expiration, audience); Invalid with every problem, nothing written. Managers only."""
    require_permission(user, ACTION_EDIT if actualite is not None else ACTION_ADD, RESOURCE_ACTUALITE)
    body = sanitize_rich_text(values.get("text"))
    problems = check_actualite(values.get("title"), body, values.get("publication"), values.get("expiration"))
    audience = values.get("audience") or ActualiteAudience.TOUS
    if audience not in ActualiteAudience.LABELS:
        problems.append(Problem("audience", "Choisissez le public de l'actualité.", rule="H3"))
    if problems:
        raise Invalid(problems)
    if actualite is None:
        actualite = Actualite(author_id=user.id)
        db.session.add(actualite)
    actualite.title, actualite.text, actualite.audience = text(values["title"]), body, audience
    actualite.publication, actualite.expiration = values["publication"], values.get("expiration")
    db.session.commit()
    return actualite


def delete_actualite(user, actualite: Actualite) -> None:
    require_permission(user, ACTION_DELETE, RESOURCE_ACTUALITE)
    # Its readers' marks go with it (the foreign key cascades on PostgreSQL; SQLite does not enforce it).
    db.session.execute(delete(ActualiteRead).where(ActualiteRead.actualite_id == actualite.id))
    db.session.delete(actualite)
    db.session.commit()
