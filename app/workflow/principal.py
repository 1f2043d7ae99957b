"""One *principal* per list (C3, C5, E2, F3, F4): marking a row principal un-marks the others,
and the first row of a list becomes principal. Applied by every entry point before the checks."""
from __future__ import annotations


def keep_one_principal(item, rows, attr: str = "principal") -> None:
    others = [row for row in rows if row is not item and (item.id is None or row.id != item.id)]
    if getattr(item, attr):
        for row in others:
            if getattr(row, attr):
                setattr(row, attr, False)
    elif not any(getattr(row, attr) for row in others):
        setattr(item, attr, True)
