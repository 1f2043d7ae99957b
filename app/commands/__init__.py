"""Every operation that writes, as a small command (Superset's superset/commands/): validate()
gathers every problem and raises one exception (exceptions.py) carrying all of them; run() calls
validate() and writes in one transaction. Forms, the REST API, bulk actions and imports call the
same command and only map its exceptions to their answer.

- save.py      SaveRecord: one record from a form or the API (per-model knowledge: records.py,
               including C9: a contact's edit of a validated structure kept as a change request)
- delete.py    DeleteRecord: one row removed from a page (C9: kept in the structure's request for its lists)
- transition.py FireTransition, FireTransitions (queue), FireStructureChange (C9)
- suspension.py SetSuspension: a formation on hold with its reason, or lifted (G1, managers only)
- codify.py    ReviewDecision with the codification at acceptance (K4)
- confirm.py   ConfirmStructure, the yearly confirmation (C10)
- duplicate.py DuplicateSession, DuplicateFormation, DuplicateForNextYear (F14, E12)
- bulk.py      CloseRecrutement, SetEtatDispositif, ArchiveSessions (set operations), ArchiveFormations (K2, F16, E11)
- imports.py   ImportRecrutements, the Excel recrutement calendar (F13)
- actor.py     actor_of(user): manager or contact, for the workflow
- versions.py  the version a user loaded against the stored one (no lost update, issue 16)
- once.py      one-time tokens of the creating forms: a form sent twice creates once
"""
from .exceptions import AlreadyDone, CommandError, Forbidden, Invalid, Locked, NotFound, Stale

__all__ = ["AlreadyDone", "CommandError", "Forbidden", "Invalid", "Locked", "NotFound", "Stale"]
