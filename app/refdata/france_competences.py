"""Import of a France compétences export (`export_fiches_CSV_*_AAAA_MM_JJ.csv`, SPEC D1–D2).

Quirks handled (IDENTIFIERS.md): `;` separators, every field quoted, CRLF, dates JJ/MM/AAAA,
a leading TAB in SIRETs. Existing certifications are updated in place. When the Standard file
carries them, the Certif Info number and the first / last session dates are read too (D1), and
the Ancienne_Nouvelle file gives the continuity chain (`remplacee_par`, both directions).
"""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from app.models import (
    BlocCompetences,
    Certification,
    Habilitation,
    HabilitationNature,
    Nomenclature,
    NomenclatureKind as K,
    Structure,
)

# Nomenclature_Europe_Niveau -> LHEO dict-niveaux (11–18 = niveaux 1–8 of the 2019 framework)
NIVEAUX = {f"NIV{n}": str(10 + n) for n in range(1, 9)}
EDUCATION_NATIONALE_MARKERS = ("EDUCATION NATIONALE", "ENSEIGNEMENT SUPERIEUR")


def _read(directory: Path, part: str) -> list[dict]:
    files = sorted(directory.glob(f"export_fiches_CSV_{part}_*.csv"))
    if not files:
        return []
    with open(files[-1], newline="", encoding="utf-8-sig") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle, delimiter=";")]


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date() if text else None
    except ValueError:
        return None


def load_france_competences(session, directory: Path) -> int:
    """Load or update the certifications of an export folder; returns how many were read."""
    directory = Path(directory)
    standard = _read(directory, "Standard")
    by_kind = defaultdict(dict)
    for row in session.execute(select(Nomenclature).where(
            Nomenclature.kind.in_([K.NIVEAU, K.NSF, K.FORMACODE, K.ROME]))).scalars():
        by_kind[row.kind][row.code] = row

    def grouped(part):
        groups = defaultdict(list)
        for row in _read(directory, part):
            groups[row["Numero_Fiche"]].append(row)
        return groups

    blocs, certificateurs = grouped("Blocs_De_Competences"), grouped("Certificateurs")
    nsf, formacodes, romes = grouped("Nsf"), grouped("Formacode"), grouped("Rome")
    voies = grouped("VoixdAcces")

    for row in standard:
        numero = row["Numero_Fiche"]
        field = "code_rncp" if numero.startswith("RNCP") else "code_rs"
        cert = session.execute(
            select(Certification).where(getattr(Certification, field) == numero)
        ).scalar_one_or_none() or Certification(**{field: numero})
        session.add(cert)
        cert.intitule = row["Intitule"][:500]
        cert.type_certification = row["Abrege_Libelle"] or None
        cert.niveau_sortie = by_kind[K.NIVEAU].get(NIVEAUX.get(row["Nomenclature_Europe_Niveau"], ""))
        cert.date_fin_enregistrement = _date(row["Date_Fin_Enregistrement"])
        cert.actif = row["Actif"] == "ACTIVE"
        names = [f'{c["Nom_Certificateur"]} ({c["Siret_Certificateur"]})' for c in certificateurs[numero]]
        cert.certificateurs = "; ".join(names) or None
        cert.education_nationale = any(
            marker in c["Nom_Certificateur"].upper() for c in certificateurs[numero]
            for marker in EDUCATION_NATIONALE_MARKERS
        )
        cert.accessible_apprentissage = any("apprentissage" in v["Si_Jury"] for v in voies[numero])
        # D1, J4: Certif Info number and first / last session dates when the export carries them
        certif_info = _optional(row, CERTIF_INFO_COLUMNS)
        if certif_info:
            cert.certif_info = certif_info[:10]
        for attribute, columns in (("premiere_session", FIRST_SESSION_COLUMNS), ("derniere_session", LAST_SESSION_COLUMNS)):
            value = _date(_optional(row, columns) or "")
            if value is not None:
                setattr(cert, attribute, value)
        cert.nsf = _codes(session, by_kind, K.NSF, nsf[numero], "Nsf_Code", "Nsf_Intitule")
        cert.formacodes = _codes(session, by_kind, K.FORMACODE, formacodes[numero], "Formacode_Code",
                                 "Formacode_Libelle")
        cert.romes = _codes(session, by_kind, K.ROME, romes[numero], "Codes_Rome_Code", "Codes_Rome_Libelle")
        existing = {b.code for b in cert.blocs}
        for bloc in blocs[numero]:
            if bloc["Bloc_Competences_Code"] not in existing:
                cert.blocs.append(BlocCompetences(code=bloc["Bloc_Competences_Code"],
                                                  libelle=bloc["Bloc_Competences_Libelle"][:500]))
    session.flush()
    _link_replacements(session, _read(directory, "Ancienne_Nouvelle_Certification"))
    load_habilitations(session, _read(directory, "Partenaires"))
    return len(standard)


# France compétences "Partenaires": organisations habilitated to train (ORGA_FORM) or to organise
# the assessment (ORGA_EVAL / FORMER_EVAL…) for a fiche.
PARTNER_NATURES = {"HABILITATION_ORGA_FORM": HabilitationNature.FORMER,
                   "HABILITATION_FORMER": HabilitationNature.FORMER,
                   "HABILITATION_ORGA_EVAL": HabilitationNature.ORGANISER,
                   "HABILITATION_FORMER_EVAL": HabilitationNature.ORGANISER}


def load_habilitations(session, rows) -> int:
    """SPEC C7: the habilitations of the structures known here, by SIRET, with the fiche's end of
    registration as end date. Idempotent; returns how many were added."""
    structures = {}
    for structure in session.execute(select(Structure)).scalars():
        structures.setdefault(structure.siret, []).append(structure)
    codes = {}
    for cert in session.execute(select(Certification)).scalars():
        for code in (cert.code_rncp, cert.code_rs):
            if code:
                codes[code] = cert
    existing = {(h.structure_id, h.certification_id, h.nature)
                for h in session.execute(select(Habilitation)).scalars()}
    added = 0
    for row in rows:
        siret = "".join(ch for ch in row.get("Siret_Partenaire", "") if ch.isdecimal())
        cert = codes.get(row.get("Numero_Fiche", "").strip())
        nature = PARTNER_NATURES.get(row.get("Habilitation_Partenaire", "").strip())
        if cert is None or nature is None:
            continue
        for structure in structures.get(siret, []):
            key = (structure.id, cert.id, nature)
            if key not in existing:
                session.add(Habilitation(structure=structure, certification=cert, nature=nature,
                                         date_fin=cert.date_fin_enregistrement))
                existing.add(key)
                added += 1
    session.flush()
    return added


def _codes(session, by_kind, kind, rows, code_col, label_col) -> list[Nomenclature]:
    """Nomenclature entries for the codes of a fiche, created when the list lacks them
    (e.g. NSF lettered sub-codes such as 221w)."""
    result = []
    for row in rows:
        code = row[code_col]
        item = by_kind[kind].get(code)
        if item is None:
            label = row[label_col].split(" : ", 1)[-1]
            item = by_kind[kind][code] = Nomenclature(kind=kind, code=code, libelle=label[:255])
            session.add(item)
        result.append(item)
    return result


# Optional columns of the Standard file (their names vary between France compétences exports)
CERTIF_INFO_COLUMNS = ("Code_Certifinfo", "Code_CertifInfo", "Certifinfo", "Certif_Info", "Numero_Certifinfo")
FIRST_SESSION_COLUMNS = ("Date_Premiere_Session", "Date_Premiere_Session_Examen", "Date_Debut_Premiere_Session")
LAST_SESSION_COLUMNS = ("Date_Derniere_Session", "Date_Derniere_Session_Examen", "Date_Fin_Derniere_Session")


def _optional(row: dict, columns) -> str | None:
    return next((row[name] for name in columns if row.get(name)), None)


def _link_replacements(session, rows) -> None:
    """The continuity chain (ancienne → nouvelle fiche) the expiry radar follows: a row names the
    fiche and its new one (`Nouvelle_Certification`) or its old one (`Ancienne_Certification`)."""
    def find(code):
        if not code:
            return None
        column = Certification.code_rncp if code.startswith("RNCP") else Certification.code_rs
        return session.execute(select(Certification).where(column == code)).scalar_one_or_none()

    for row in rows:
        pairs = ((row.get("Numero_Fiche"), row.get("Nouvelle_Certification")),
                 (row.get("Ancienne_Certification"), row.get("Numero_Fiche")))
        for old_code, new_code in pairs:
            if old_code and new_code and old_code != new_code:
                old, new = find(old_code), find(new_code)
                if old is not None and new is not None:
                    old.remplacee_par = new


def continuity_chain(certification) -> list:
    """The certification and the fiches that replaced it, in order (cycles stop the walk)."""
    chain, seen = [certification], {id(certification)}
    while chain[-1].remplacee_par is not None and id(chain[-1].remplacee_par) not in seen:
        chain.append(chain[-1].remplacee_par)
        seen.add(id(chain[-1]))
    return chain
