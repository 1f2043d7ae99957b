"""All tables live on flask_appbuilder.Model.metadata (FAB-NOTES G7); importing this package
registers them."""
from flask_appbuilder.security.sqla.models import User  # noqa: F401  (ab_user, for relationships)

from .accounts import AccountRequest, AccountRequestEtat, RightLevel, StructureRight
from .communication import (
    Actualite,
    ActualiteAudience,
    ActualiteRead,
    Memo,
    Message,
    MessageThread,
    MessageThreadRead,
)
from .imports import ImportEtat, LheoImport, LheoImportLine, Outcome
from .links import LinkCheck
from .notifications import Notification, NotificationEtat
from .offer import (
    Action,
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
)
from .referentials import (
    BlocCompetences,
    Certification,
    Departement,
    Financeur,
    Mesure,
    MesureKind,
    Nomenclature,
    NomenclatureKind,
    Region,
)
from .structures import (
    Coordonnee,
    CoordonneeKind,
    Habilitation,
    HabilitationNature,
    Lieu,
    Structure,
    StructureContact,
    StructureDocument,
    StructureEtat,
)
from .workflow import FormationEtat, FormToken, HistoryEntry, SessionEtat, StructureChange, StructureChangeEtat


def _history_reference():
    """The reference of a history entry's record (formation, session or structure), read with the
    entry (a correlated sub-select per row of the same statement, by primary key): lists show it
    instead of the database id without a query per row."""
    from sqlalchemy import case, select
    from sqlalchemy.orm import column_property

    def reference_of(model):
        return select(model.reference).where(model.id == HistoryEntry.entity_id).scalar_subquery()

    return column_property(case(
        (HistoryEntry.entity == "formation", reference_of(Formation)),
        (HistoryEntry.entity == "session", reference_of(Session)),
        (HistoryEntry.entity == "structure", reference_of(Structure)),
    ))


HistoryEntry.reference = _history_reference()

__all__ = [name for name in dir() if not name.startswith("_")]
