"""The search's criteria in words, as an export's header block says them (SPEC J1): the same
labels as the search form (app/templates/portal/search_formations.html)."""
from __future__ import annotations

from sqlalchemy import select

from app.models import FormationEtat, Mesure, Nomenclature, SessionEtat
from app.search.criteria import Criteria

YES_NO = {True: "Oui", False: "Non"}
TYPE_REFERENCE = {"F": "formation", "S": "session"}
SORT_LABELS = {"reference": "Référence", "session": "Référence session", "certification": "Certification",
               "intitule": "Intitulé", "debut": "Date de début", "fin": "Date de fin", "formateur": "OF formateur",
               "dispositif": "Dispositif", "etat": "État", "departement": "Département", "ville": "Ville"}


def _date(value) -> str:
    return value.strftime("%d/%m/%Y")


def criteria_lines(c: Criteria, db_session) -> list[tuple[str, str]]:
    """(label, value) of every criterion set; the état line says when archived sessions are left out."""
    lines: list[tuple[str, str]] = []
    if c.q:
        lines.append(("Recherche rapide", c.q))
    if c.references:
        kind = TYPE_REFERENCE.get(c.type_reference)
        lines.append((f"Référence ({kind})" if kind else "Référence", " ; ".join(c.references)))
    elif c.type_reference:
        lines.append(("Type de référence", TYPE_REFERENCE[c.type_reference]))
    if c.intitule:
        lines.append(("Intitulé / complément", c.intitule))
    lines.append(("État", SessionEtat.LABELS.get(c.etat, c.etat) if c.etat else "Tous (hors archivées)"))
    if c.etat_formation:
        lines.append(("État de la formation", FormationEtat.LABELS.get(c.etat_formation, c.etat_formation)))
    if c.mesure:
        label = db_session.execute(select(Mesure.libelle).where(Mesure.id == c.mesure)).scalar()
        lines.append(("Mesure / dispositif", label or f"n° {c.mesure} (inconnue)"))
    if c.marche:
        lines.append(("Numéro de marché", c.marche))
    for name, label in (("certifiante", "Certifiante"), ("apprentissage", "Apprentissage"),
                        ("distance", "À distance (entièrement ou en partie)"),
                        ("contrat_pro", "Contrat de professionnalisation"), ("fonds_publics", "Fonds publics"),
                        ("erreurs", "Erreurs bloquantes (dates, formateurs, lieux, financement)"),
                        ("partenaires", "Diffusée aux partenaires"), ("en_suspens", "Formation en suspens"),
                        ("certification_expire", "Certification échue avant le début ou dans les 6 mois")):
        if getattr(c, name) is not None:
            lines.append((label, YES_NO[getattr(c, name)]))
    for name, label in (("niveau_entree", "Niveau d'entrée"), ("niveau_sortie", "Niveau de sortie")):
        if getattr(c, name):
            value = db_session.execute(select(Nomenclature.libelle).where(Nomenclature.id == getattr(c, name))).scalar()
            lines.append((label, value or f"n° {getattr(c, name)} (inconnu)"))
    if c.codes_postaux:
        lines.append(("Code postal", " ; ".join(c.codes_postaux)))
    if c.departement:
        lines.append(("Département", c.departement))
    if c.of_responsable:
        lines.append(("OF responsable", c.of_responsable))
    if c.of_formateur:
        lines.append(("OF formateur", c.of_formateur))
    if c.potentiel:
        lines.append(("Potentiel de formation", c.potentiel))
    for name, label in (("debut_du", "Début de session du"), ("debut_au", "Début de session au"),
                        ("fin_du", "Fin de session du"), ("fin_au", "Fin de session au")):
        if getattr(c, name):
            lines.append((label, _date(getattr(c, name))))
    lines.append(("Tri", f"{SORT_LABELS.get(c.tri, c.tri)} ({'décroissant' if c.ordre == 'desc' else 'croissant'})"))
    return lines
