"""Loading the referentials (SPEC D1–D3) from the files shipped in app/data/. Idempotent: an
existing (kind, code) is updated, never duplicated."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from app.models import Departement, Financeur, Mesure, MesureKind, Nomenclature, NomenclatureKind as K, Region

DATA = Path(__file__).resolve().parent.parent / "data"

# LHEO dictionary -> nomenclature kind
LHEO_DICTS = {
    "dict-niveaux": K.NIVEAU,
    "dict-type-parcours": K.TYPE_PARCOURS,
    "dict-modalites-enseignement": K.MODALITE_ENSEIGNEMENT,
    "dict-etat-recrutement": K.ETAT_RECRUTEMENT,
    "dict-type-contact": K.TYPE_CONTACT,
    "dict-type-cycle": K.TYPE_CYCLE,
    "dict-type-alternance": K.TYPE_ALTERNANCE,
    "dict-unite-rythme": K.UNITE_RYTHME,
    "dict-type-validation-blocs": K.VALIDATION_BLOCS,
    "dict-AIS": K.OBJECTIF_GENERAL,
}

# SPEC F13: MR.01–MR.09, numbered as LHEO's dict-modalite-recrutement.
MODALITES_RECRUTEMENT = {
    "MR.01": "Méthode de recrutement par simulation",
    "MR.02": "Concours",
    "MR.03": "Dossier",
    "MR.04": "Tests pratiques",
    "MR.05": "Épreuves écrites",
    "MR.06": "Épreuves orales",
    "MR.07": "Inscription sur candidature (ISC)",
    "MR.08": "Rendez-vous individuel (RDVI)",
    "MR.09": "Information collective (ICO)",
}

SIMPLE_LISTS = {
    K.RYTHME: ["Temps plein", "Temps partiel", "En alternance", "Cours du soir", "Cours du week-end",
               "Cours du jour"],
    K.INFRASTRUCTURE: ["Restauration", "Hébergement", "Accès handicapés", "Bus", "Tram", "Train", "Parkings"],
    K.LABEL_QUALITE: ["Certification ISO 9001", "Label Eduform", "Certification NF Service Formation",
                      "Label Cléa"],
    K.TYPE_STRUCTURE: ["Organisme de formation", "CFA", "Établissement d'enseignement", "Université",
                       "Chambre consulaire", "Association"],
    K.ETAT_DISPOSITIF: ["En cours d'instruction", "Conventionné", "Non conventionné", "Clôturé"],
    K.MOTIF_ARCHIVAGE: ["Formation qui n'est plus proposée", "Certification non renouvelée",
                        "Perte d'habilitation", "Doublon", "Autre motif"],
}


def _upsert(session, kind: str, code: str, libelle: str, ordre: int = 0) -> Nomenclature:
    existing = session.execute(
        select(Nomenclature).where(Nomenclature.kind == kind, Nomenclature.code == code)
    ).scalar_one_or_none()
    item = existing or Nomenclature(kind=kind, code=code)
    item.libelle = libelle[:255]
    item.ordre = ordre
    if existing is None:
        session.add(item)
    return item


def _rows(name: str):
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _short_niveau(label: str) -> str:
    """'Niveau 4. Capacité à …' -> 'Niveau 4 (nouvelle nomenclature)'; old labels unchanged."""
    if label.startswith("Niveau ") and ". " in label:
        return label.split(". ", 1)[0] + " (nomenclature 2019)"
    return label[:1].upper() + label[1:]


def load_code_lists(session) -> None:
    for row in _rows("lheo-2.3-dictionnaires.csv"):
        kind = LHEO_DICTS.get(row["dict"])
        if kind is None:
            continue
        label = _short_niveau(row["libelle"]) if kind == K.NIVEAU else row["libelle"][:1].upper() + row["libelle"][1:]
        _upsert(session, kind, row["code"], label, int(row["code"]) if row["code"].isdecimal() else 0)
    for order, (code, label) in enumerate(MODALITES_RECRUTEMENT.items(), start=1):
        _upsert(session, K.MODALITE_RECRUTEMENT, code, label, order)
    for kind, labels in SIMPLE_LISTS.items():
        for order, label in enumerate(labels, start=1):
            _upsert(session, kind, f"{order:02d}", label, order)
    for row in _rows("nsf.csv"):
        _upsert(session, K.NSF, row["code_nsf"], row["libelle"])
    # ROME: one entry per code (the file lists métiers; keep the first label of each code).
    seen = set()
    for row in _rows("rome-v460-referentiel-code-rome.csv"):
        if row["code_rome"] not in seen:
            seen.add(row["code_rome"])
            _upsert(session, K.ROME, row["code_rome"], row["libelle_rome"])
    for row in _rows("formacode-v10-publics-vises.csv"):
        _upsert(session, K.PUBLIC, row["code_formacode"], row["libelle"])
    for row in _rows("formacode-v10-modalites-pedagogiques.csv"):
        _upsert(session, K.MODALITE_PEDAGOGIQUE, row["code_formacode"], row["libelle"])


def load_geography(session) -> None:
    regions = {r.code: r for r in session.execute(select(Region)).scalars()}
    departements = set(session.execute(select(Departement.code)).scalars())
    for row in _rows("departements-regions-academies.csv"):
        region = regions.get(row["code_region"])
        if region is None:
            region = regions[row["code_region"]] = Region(code=row["code_region"], nom=row["nom_region"])
            session.add(region)
        if row["code_departement"] not in departements:
            session.add(Departement(code=row["code_departement"], nom=row["nom_departement"], region=region,
                                    academie=row["nom_academie"]))


# Financeurs (LHEO dict-financeurs) and the mesures each allows, with the publics they target.
MESURES = {
    "2": [("CR-PRF", "Programme régional de formation", MesureKind.AUTRE, ["80001"]),
          ("CR-QUALIF", "Qualif Individuel", MesureKind.AUTRE, ["80001"])],
    "4": [("FT-AFC", "Action de formation conventionnée (AFC)", MesureKind.AUTRE, ["80001"]),
          ("FT-AIF", "Aide individuelle à la formation (AIF)", MesureKind.AUTRE, ["80001"]),
          ("FT-POEI", "Préparation opérationnelle à l'emploi individuelle (POEI)", MesureKind.AUTRE, ["80001"])],
    "16": [("OPCO-APP", "Contrat d'apprentissage", MesureKind.APPRENTISSAGE, []),
           ("OPCO-CP", "Contrat de professionnalisation", MesureKind.CONTRAT_PRO, []),
           ("OPCO-PDC", "Plan de développement des compétences", MesureKind.AUTRE, [])],
    "10": [("CPF", "Compte personnel de formation (CPF)", MesureKind.AUTRE, []),
           ("AUTOFIN", "Autofinancement", MesureKind.AUTRE, [])],
    "5": [("ENT-PLAN", "Plan de formation de l'entreprise", MesureKind.AUTRE, [])],
    "0": [("AUTRE", "Autre dispositif", MesureKind.AUTRE, [])],
}


# Financeurs renamed since the LHEO 2.3 dictionary (2022) was published, by LHEO code: the
# dictionary's label, then today's. Pôle emploi became France Travail on 1 January 2024 (loi du
# 18 décembre 2023 pour le plein emploi).
RENAMED_FINANCEURS = {"4": ("Pôle emploi", "France Travail")}


def financeur_label(code: str, dictionary_label: str) -> str:
    """The financeur's current name: the dictionary's, unless it was renamed since."""
    old, new = RENAMED_FINANCEURS.get(code, (None, None))
    return new if dictionary_label == old else dictionary_label


def load_financeurs(session) -> None:
    publics = {n.code: n for n in session.execute(
        select(Nomenclature).where(Nomenclature.kind == K.PUBLIC)).scalars()}
    financeurs = {f.code: f for f in session.execute(select(Financeur)).scalars()}
    for row in _rows("lheo-2.3-dictionnaires.csv"):
        if row["dict"] != "dict-financeurs":
            continue
        label = financeur_label(row["code"], row["libelle"])
        existing = financeurs.get(row["code"])
        if existing is None:
            financeurs[row["code"]] = Financeur(code=row["code"], libelle=label)
            session.add(financeurs[row["code"]])
        elif existing.libelle == row["libelle"] != label:  # loaded before the rename, never edited since
            existing.libelle = label
    session.flush()
    existing = {(m.financeur_id, m.code) for m in session.execute(select(Mesure)).scalars()}
    for financeur_code, mesures in MESURES.items():
        financeur = financeurs.get(financeur_code)
        if financeur is None:
            continue
        for code, label, nature, public_codes in mesures:
            if (financeur.id, code) in existing:
                continue
            session.add(Mesure(financeur=financeur, code=code, libelle=label, nature=nature,
                               publics=[publics[c] for c in public_codes if c in publics]))


def load_all(session) -> None:
    from .france_competences import load_france_competences

    load_code_lists(session)
    load_geography(session)
    session.flush()
    load_financeurs(session)
    session.flush()
    load_france_competences(session, DATA / "france_competences")
    session.commit()
