"""Values the portal fills in so that an organisation does not have to (SPEC F3, F4, F5, F9, F12,
F13): applied on save by SaveRecord (records.RECORDS[…].derive), whatever the door — a form, a
dialog, the REST API. The rules (app/validators) still check the result."""
from __future__ import annotations

import re

from app.models import SessionFormateur, SessionLieu
from app.validators.blocs import MIXTE, TOTALE, normalize_validation_type

# Recrutement numbers by modality (F13: a unique number per ICO, RDVI, ISC of the session).
NUMBER_PREFIXES = {"MR.09": "ICO", "MR.08": "RDVI", "MR.07": "ISC"}
TOTALE_CODE = "1"  # LHEO dict-type-validation-blocs: 0 partielle, 1 totale, 2 mixte


def _first(rows, key=lambda row: row.id or 0):
    rows = sorted(rows, key=lambda row: (not getattr(row, "principal", False), key(row)))
    return rows[0] if rows else None


def session_defaults(session) -> None:
    """A new session starts complete enough to be checked: its OF formateur is the OF responsable
    (F3, principal), its lieu de formation and lieu d'inscription the formateur's first lieu (F4,
    F12), its contact the responsable's principal contact (F5), an apprentissage session's validation
    des blocs totale (F9). What the user chose is kept."""
    formation = session.formation
    responsable = formation.structure if formation is not None else None
    if responsable is None:
        return
    if not session.formateurs:
        session.formateurs = [SessionFormateur(structure=responsable, principal=True)]
    principal = _first(session.formateurs)
    formateur = principal.structure if principal is not None else responsable
    lieu = _first(formateur.lieux) if formateur is not None else None
    if lieu is not None and not session.lieux:
        session.lieux = [SessionLieu(lieu=lieu, principal=True)]
    if lieu is not None and session.lieu_inscription is None:
        session.lieu_inscription = lieu
    if session.contact is None and not session.contact_autre:
        session.contact = _first(responsable.contacts)
    if formation.apprentissage and session.validation_blocs is None:
        session.validation_blocs = _totale()  # F9: apprentissage validates every bloc


def _totale():
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Nomenclature, NomenclatureKind

    return db.session.execute(select(Nomenclature).where(
        Nomenclature.kind == NomenclatureKind.VALIDATION_BLOCS, Nomenclature.code == TOTALE_CODE)).scalar_one_or_none()


def validated_blocs(session) -> None:
    """F9: a validation totale or mixte is all the blocs of the formation's certifications."""
    kind = normalize_validation_type(session.validation_blocs.code if session.validation_blocs else "")
    if kind not in (TOTALE, MIXTE) or session.formation is None:
        return
    every = {bloc.id: bloc for link in session.formation.certifications for bloc in link.certification.blocs}
    if every and set(every) != {bloc.id for bloc in session.blocs}:
        session.blocs = list(every.values())


def recrutement_number(recrutement) -> None:
    """F13: an ICO, RDVI or ISC without a number gets the next one of its session (ICO-1, ICO-2…)."""
    if recrutement.numero or recrutement.modalite is None or recrutement.session is None:
        return
    prefix = NUMBER_PREFIXES.get(recrutement.modalite.code, "MR")
    pattern = re.compile(rf"^{prefix}-(\d+)$")
    used = [int(match.group(1)) for other in recrutement.session.recrutements if other is not recrutement
            for match in [pattern.match(other.numero or "")] if match]
    recrutement.numero = f"{prefix}-{max(used, default=0) + 1}"


def certification_prefill(certification, label: str = "") -> dict:
    """E2: what a certification gives a new formation's form — its intitulé, niveau de sortie,
    objectifs and contenu (its blocs de compétences) — all editable; `warning` when it has ended
    or ends within six months (a session must start before its end, F2)."""
    from datetime import date, timedelta
    from html import escape

    code = certification.code
    niveau = certification.niveau_sortie
    objectifs = f"<p>Préparer et obtenir la certification « {escape(certification.intitule)} » ({escape(code)})"
    objectifs += f", {escape(niveau.libelle)}.</p>" if niveau is not None else ".</p>"
    blocs = "".join(f"<li>{escape(b.libelle)}</li>" for b in certification.blocs)
    end = certification.date_fin_enregistrement
    warning = ""
    if not certification.actif or (end is not None and end < date.today()):
        warning = "Cette certification n'est plus en vigueur : choisissez celle qui la remplace."
    elif end is not None and end < date.today() + timedelta(days=183):
        warning = (f"Fin d'enregistrement le {end:%d/%m/%Y} : les sessions doivent commencer avant (F2) ; "
                   "vérifiez son renouvellement.")
    return {"id": certification.id, "label": label, "intitule": certification.intitule,
            "niveau_sortie": niveau.id if niveau is not None else None, "objectifs": objectifs,
            "contenu": f"<p>Blocs de compétences :</p><ul>{blocs}</ul>" if blocs else "", "warning": warning,
            "valideurs": certification.certificateurs or ""}
