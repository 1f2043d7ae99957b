"""Communication (SPEC H2–H4): what the pages (app/views/communication.py), the dashboard and the
job queue call. Every read goes through the row scope (app/security/scope.py); every write checks
the rules (app/validators/communication.py) and the scope once more, whichever door it came in by.

- memos.py       H2: a user's personal notes
- actualites.py  H3: managers' news, their audience and dates, each reader's read state;
                 `current_actualites(user)` for the dashboards
- messagerie.py  H4: threads between a structure and the Carif-Oref, messages, read state;
                 `unread_threads(user)` for the dashboard and the navbar
- mail.py        H4: the e-mail of each new message to the other side, sent by the job queue
"""
from .actualites import current_actualites
from .messagerie import unread_threads

__all__ = ["current_actualites", "unread_threads"]
