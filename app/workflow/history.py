"""Recording transitions in the history (SPEC G6)."""
from app.models import Formation, HistoryEntry, Session, Structure

ENTITY_NAMES = {Structure: "structure", Formation: "formation", Session: "session"}


def record(db_session, item, action: str, author=None, comment: str | None = None,
           entity: str | None = None) -> HistoryEntry:
    entry = HistoryEntry(
        entity=entity or ENTITY_NAMES[type(item)],
        entity_id=item.id,
        action=action,
        comment=comment,
        author_id=getattr(author, "id", None),
    )
    db_session.add(entry)
    return entry
