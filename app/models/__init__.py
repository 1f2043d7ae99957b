"""All tables live on flask_appbuilder.Model.metadata (FAB-NOTES G7); importing this package
registers them."""
from flask_appbuilder.security.sqla.models import User  # noqa: F401  (ab_user, for relationships)

from .accounts import AccountRequest, AccountRequestEtat, RightLevel, StructureRight
from .notifications import Notification, NotificationEtat
from .offer import (
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
from .workflow import FormationEtat, HistoryEntry, SessionEtat, StructureChange, StructureChangeEtat

__all__ = [name for name in dir() if not name.startswith("_")]
