"""Demo data (`flask demo load`): a realistic region modelled on the seeds.

A CFA siège with seven antennas (the "CFA Bâtiment Normandie" of the seeds), a few other
organisations, certifications from the France compétences sample (completed by current ones,
since every certification of the 2024 sample has expired), financeurs → mesures, formations and
sessions in every state, and the demo users listed in the README.
"""
from __future__ import annotations

import re
import unicodedata

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.models import (
    BlocCompetences,
    Certification,
    Coordonnee,
    CoordonneeKind,
    CycleAlternance,
    Financement,
    Formation,
    FormationCertification,
    FormationEtat,
    Habilitation,
    Lieu,
    Mesure,
    Nomenclature,
    NomenclatureKind as K,
    Recrutement,
    RightLevel,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
    StructureEtat,
    StructureRight,
)
from app.refdata import load_all
from app.workflow.history import record

from .region import de, luhn_complete

DEMO_USERS = [
    # username, first name, last name, role, password
    ("admin", "Alice", "Administratrice", "Admin", "Admin!2026"),
    ("gestionnaire", "Gaëlle", "Gestionnaire", "Gestionnaire", "Gestion!2026"),
    ("contact", "Camille", "Martin", "Contact OF", "Contact!2026"),
    ("contact.autre", "Olivier", "Bernard", "Contact OF", "Autre!2026"),
]

# Current certifications completing the expired 2024 sample (codes as published by France
# compétences; blocs as on their fiches).
CURRENT_CERTIFICATIONS = [
    ("RNCP38228", "Agent vérificateur d'appareils extincteurs", "CAP", "13", True, date(2028, 8, 31),
     [("RNCP38228BC01", "Vérification d'une installation et organisation de l'intervention"),
      ("RNCP38228BC02", "Vérification d'extincteurs et démonstration d'utilisation")]),
    ("RNCP37682", "Maçon", "Titre professionnel", "13", False, date(2028, 6, 30),
     [("RNCP37682BC01", "Réaliser des ouvrages en maçonnerie"),
      ("RNCP37682BC02", "Réaliser des ouvrages en béton armé")]),
    ("RNCP35858", "Électricien d'équipement du bâtiment", "Titre professionnel", "13", False, date(2029, 3, 31),
     [("RNCP35858BC01", "Réaliser les travaux d'installation électrique"),
      ("RNCP35858BC02", "Réaliser la mise en service des équipements")]),
    ("RNCP38362", "Management commercial opérationnel", "BTS", "15", True, date(2029, 8, 31),
     [("RNCP38362BC01", "Développer la relation client et assurer la vente conseil"),
      ("RNCP38362BC02", "Animer et dynamiser l'offre commerciale"),
      ("RNCP38362BC03", "Assurer la gestion opérationnelle"),
      ("RNCP38362BC04", "Manager l'équipe commerciale")]),
]

CFA_ANTENNAS = [
    ("Caen", "14000", "14118", 49.1829, -0.3707), ("Rouen", "76000", "76540", 49.4431, 1.0993),
    ("Le Havre", "76600", "76351", 49.4944, 0.1079), ("Alençon", "61000", "61001", 48.4329, 0.0913),
    ("Saint-Lô", "50000", "50502", 49.1157, -1.0906), ("Évreux", "27000", "27229", 49.0241, 1.1508),
    ("Cherbourg-en-Cotentin", "50100", "50129", 49.6337, -1.6222),
]


def load_demo(db_session, scale: str = "demo", today: date | None = None, referentials: bool = True) -> str:
    """Load referentials, demo users and the demo region (idempotent); `scale="region"` adds the
    benchmark dataset. `referentials=False` when they are known to be loaded already (tests)."""
    if referentials:
        load_all(db_session)
    sm = current_app.appbuilder.sm
    sm.create_roles()
    users = _users(sm)
    if db_session.execute(select(func.count()).select_from(Structure)).scalar() == 0:
        with db_session.no_autoflush:
            _region(db_session, users, today or date.today())
        db_session.commit()
        summary = "Données de démonstration chargées."
    else:
        summary = "Données de démonstration déjà présentes."
    if scale == "region":
        from .region import load_region

        summary += " " + load_region(db_session)
    return summary


def _users(sm) -> dict:
    users = {}
    for username, first, last, role, password in DEMO_USERS:
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, first, last, f"{username}@demo.carif-oref.example",
                               sm.find_role(role), password=password)
        users[username] = user
    return users


class _Codes:
    """Lookup of nomenclature entries by (kind, code)."""

    def __init__(self, db_session):
        self.items = {(n.kind, n.code): n for n in db_session.execute(select(Nomenclature)).scalars()}

    def __call__(self, kind, code):
        return self.items[(kind, code)]


def _region(s, users, today: date) -> None:
    code = _Codes(s)
    certs = _certifications(s, code)
    mesures = {m.code: m for m in s.execute(select(Mesure)).scalars()}

    cfa = _structure(s, code, "CFA Bâtiment Normandie", "CFA BTP Normandie", "32945614200010", "28140123414",
                     "8532Z", "0142131W", "12 rue du Bâtiment", "14000", "Caen", "14118", "14", "CFA")
    cfa.qualiopi_action_formation = cfa.qualiopi_apprentissage = True
    cfa.infrastructures = [code(K.INFRASTRUCTURE, c) for c in ("01", "03", "04", "07")]
    cfa.potentiel = "Maçonnerie, électricité, plomberie, sécurité incendie, commerce du bâtiment."
    antennas = []
    for index, (city, cp, insee, lat, lng) in enumerate(CFA_ANTENNAS, start=1):
        antenna = _structure(s, code, f"CFA Bâtiment Normandie – site {de(city)}", None,
                             luhn_complete(f"329456142{10 + index:04d}"), None, "8532Z", None,
                             f"{index} avenue des Compagnons", cp, city, insee, cp[:2], "CFA")
        antenna.parent = cfa
        antenna.lieux.append(Lieu(nom=f"Plateau technique {de(city)}", ligne=f"{index} rue des Ateliers",
                                  code_postal=cp, ville=city, code_insee=insee, latitude=lat, longitude=lng))
        antennas.append(antenna)
    horizon = _structure(s, code, "Institut Horizon Formation", "Horizon Formation", "44306184100047",
                         "28760456776", "8559A", None, "5 quai de la Seine", "76000", "Rouen", "76540", "76",
                         "Organisme de formation")
    horizon.qualiopi_action_formation = True
    greta = _structure(s, code, "GRETA du Cotentin", None, "19500033200013", "25500098750", "8559A",
                       "0501219T", "2 rue Paul Doumer", "50100", "Cherbourg-en-Cotentin", "50129", "50",
                       "Établissement d'enseignement")
    greta.qualiopi_action_formation = greta.qualiopi_vae = True
    ecole = _structure(s, code, "École régionale du numérique", "ERN", "81234567800013", "28140987614", "8559B", None,
                       "30 boulevard Leroy", "14000", "Caen", "14118", "14", "Organisme de formation")
    ecole.etat = StructureEtat.EN_ATTENTE
    s.flush()

    s.add_all([
        StructureRight(user=users["contact"], structure=cfa, niveau=RightLevel.MODIFICATION),
        *[StructureRight(user=users["contact"], structure=a, niveau=RightLevel.MODIFICATION) for a in antennas],
        StructureRight(user=users["contact.autre"], structure=horizon, niveau=RightLevel.MODIFICATION),
    ])
    for structure, cert in ((cfa, certs["RNCP37682"]), (cfa, certs["RNCP35858"]), (horizon, certs["RNCP38362"])):
        s.add(Habilitation(structure=structure, certification=cert, date_fin=cert.date_fin_enregistrement))

    # CFA: apprentissage formations, sessions in every state.
    macon = _formation(s, code, cfa, "Titre professionnel maçon – 1re et 2e années (en apprentissage)",
                       certs["RNCP37682"], apprentissage=True, duree_cycle=2, etat=FormationEtat.DIFFUSEE)
    elec = _formation(s, code, cfa, "Électricien d'équipement du bâtiment", certs["RNCP35858"],
                      etat=FormationEtat.EN_ATTENTE)
    securite = _formation(s, code, cfa, "Sécurité incendie : vérification des extincteurs", certs["RNCP38228"],
                          etat=FormationEtat.EN_CREATION)
    ancienne = _formation(s, code, cfa, "Préparation au CAP agent vérificateur (ancienne formule)",
                          certs["RNCP509"], etat=FormationEtat.ARCHIVEE)
    rentree = date(today.year if today.month < 9 else today.year + 1, 9, 1)
    for year_offset, (etat, start) in enumerate([
        (SessionEtat.DIFFUSEE, rentree), (SessionEtat.BROUILLON, rentree.replace(year=rentree.year + 1)),
        (SessionEtat.TERMINEE, rentree.replace(year=rentree.year - 3)),
    ]):
        session = _session(s, code, macon, antennas[year_offset], start, start.replace(year=start.year + 2) -
                           timedelta(days=70), etat, mesures["OPCO-APP"], centre=800, entreprise=2200)
        for annee in (1, 2):
            session.cycles.append(CycleAlternance(
                annee=annee, type_cycle=code(K.TYPE_CYCLE, "1"), type_alternance=code(K.TYPE_ALTERNANCE, "1"),
                effectif_minimal=8, capacite_simultanee=15, capacite_cumulee=30,
                unite_rythme=code(K.UNITE_RYTHME, "3"), unites_centre=1, unites_entreprise=3))
        session.validation_blocs = code(K.VALIDATION_BLOCS, "1")
        session.blocs = list(certs["RNCP37682"].blocs)
    _session(s, code, elec, cfa, today + timedelta(days=45), today + timedelta(days=300), SessionEtat.EN_ATTENTE,
             mesures["CR-PRF"], centre=560, entreprise=140)
    _session(s, code, securite, antennas[1], today + timedelta(days=20), today + timedelta(days=60),
             SessionEtat.BROUILLON, mesures["CPF"], centre=140)
    _session(s, code, ancienne, antennas[2], date(2022, 9, 5), date(2023, 6, 30), SessionEtat.ARCHIVEE,
             mesures["CR-PRF"], centre=400)

    # Horizon (the other organisation of contact.autre); one session trained by a CFA antenna,
    # which the CFA's contact sees read-only (SPEC A3).
    mco = _formation(s, code, horizon, "BTS management commercial opérationnel", certs["RNCP38362"],
                     etat=FormationEtat.DIFFUSEE)
    _session(s, code, mco, horizon, rentree, rentree.replace(year=rentree.year + 2) - timedelta(days=60),
             SessionEtat.DIFFUSEE, mesures["OPCO-CP"], centre=1350)
    bureautique = _formation(s, code, horizon, "Bureautique : Word, Excel et outils collaboratifs", None,
                             etat=FormationEtat.DIFFUSEE, formacode="70322")
    bureautique.complement_intitule = "Parcours certification TOSA"
    shared = _session(s, code, bureautique, horizon, today + timedelta(days=30), today + timedelta(days=65),
                      SessionEtat.DIFFUSEE, mesures["FT-AFC"], centre=70)
    shared.formateurs.append(SessionFormateur(structure=antennas[0], principal=False))
    _session(s, code, bureautique, horizon, date(today.year, 1, 1), date(today.year, 12, 31),
             SessionEtat.DIFFUSEE, mesures["CPF"], centre=35, permanent=True)

    # GRETA and the École: more of the region.
    vae = _formation(s, code, greta, "Accompagnement à la validation des acquis de l'expérience", None,
                     etat=FormationEtat.NON_DIFFUSEE, formacode="44591")
    _session(s, code, vae, greta, date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), SessionEtat.TERMINEE,
             mesures["CPF"], centre=24, permanent=True)
    dev = _formation(s, code, ecole, "Développeur d'applications blockchain", certs["RS5000"],
                     etat=FormationEtat.EN_CREATION)
    _session(s, code, dev, ecole, today + timedelta(days=90), today + timedelta(days=150), SessionEtat.BROUILLON,
             mesures["FT-AFC"], centre=280, entreprise=70)
    s.flush()
    for formation in (macon, mco, bureautique):
        record(s, formation, "Validation de la fiche", users["gestionnaire"], "Fiche validée et diffusée.")
    elec.submitted_at = datetime.now() - timedelta(days=2)
    record(s, elec, "Soumission pour validation", users["contact"])


def _certifications(s, code) -> dict:
    for numero, intitule, type_, niveau, edu, fin, blocs in CURRENT_CERTIFICATIONS:
        if s.execute(select(Certification).where(Certification.code_rncp == numero)).scalar_one_or_none():
            continue
        s.add(Certification(code_rncp=numero, intitule=intitule, type_certification=type_,
                            niveau_sortie=code(K.NIVEAU, niveau), education_nationale=edu,
                            date_fin_enregistrement=fin, actif=True, accessible_apprentissage=True,
                            blocs=[BlocCompetences(code=c, libelle=lib) for c, lib in blocs]))
    s.flush()
    return {c.code: c for c in s.execute(select(Certification)).scalars()}


def _slug(name: str) -> str:
    """ "cfa-batiment-normandie-site-de-caen" from "CFA Bâtiment Normandie – site de Caen" (e-mail/web safe)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name))[:40].strip("-")


def _structure(s, code, raison, enseigne, siret, nda, ape, uai, ligne, cp, ville, insee, dep, type_label):
    structure = Structure(raison_sociale=raison, enseigne=enseigne, siret=siret, nda=nda, ape=ape, uai=uai,
                          ligne=ligne, code_postal=cp, ville=ville, code_insee=insee, departement_code=dep,
                          etat=StructureEtat.VALIDEE, confirme_le=date.today() - timedelta(days=40))
    structure.type = next((n for (kind, _), n in code.items.items()
                           if kind == K.TYPE_STRUCTURE and n.libelle == type_label), None)
    slug = _slug(enseigne or raison)
    structure.coordonnees = [
        Coordonnee(nature=CoordonneeKind.EMAIL, valeur=f"contact@{slug}.example", type_libelle="Accueil",
                   principal=True),
        Coordonnee(nature=CoordonneeKind.TELEPHONE, valeur="02 31 00 00 00", type_libelle="Standard",
                   principal=True),
        Coordonnee(nature=CoordonneeKind.WEB, valeur=f"https://www.{slug}.example", principal=True),
    ]
    structure.contacts = [
        StructureContact(civilite="Mme", nom="Lefebvre", prenom="Claire", fonction="Directrice",
                         type_contact=code(K.TYPE_CONTACT, "5"), email=f"direction@{slug}.example",
                         telephone="02 31 00 00 01", principal=True),
        StructureContact(civilite="M.", nom="Moreau", prenom="Julien", fonction="Responsable pédagogique",
                         type_contact=code(K.TYPE_CONTACT, "3"), email=f"pedagogie@{slug}.example",
                         telephone="02 31 00 00 02"),
    ]
    structure.lieux = [Lieu(nom=f"{enseigne or raison} – siège", ligne=ligne, code_postal=cp, ville=ville,
                            code_insee=insee, latitude=49.18, longitude=-0.37)]
    s.add(structure)
    return structure


def _formation(s, code, structure, intitule, cert, etat, apprentissage=False, duree_cycle=None, formacode=None):
    formation = Formation(
        structure=structure, intitule=intitule, certifiante=cert is not None, apprentissage=apprentissage,
        duree_cycle=duree_cycle, etat=etat, niveau_entree=code(K.NIVEAU, "1"),
        niveau_sortie=cert.niveau_sortie if cert else None,
        objectifs=f"<p>Acquérir les compétences professionnelles de la formation « {intitule} ».</p>",
        contenu="<ul><li>Apports théoriques</li><li>Mises en situation sur plateau technique</li></ul>",
        resultats="Attestation de fin de formation" + (" et passage de la certification." if cert else "."),
        plus_formation="Plateaux techniques équipés et accompagnement individualisé.",
    )
    if cert is not None:
        formation.certifications = [FormationCertification(certification=cert, principal=True)]
        formation.formacodes = list(cert.formacodes)
        formation.romes = list(cert.romes)
        formation.nsf = list(cert.nsf)
    elif formacode:
        entry = code.items.get((K.FORMACODE, formacode))
        if entry is None:
            entry = Nomenclature(kind=K.FORMACODE, code=formacode,
                                 libelle={"70322": "Bureautique", "44591": "Validation des acquis"}.get(formacode, formacode))
            s.add(entry)
            code.items[(K.FORMACODE, formacode)] = entry
        formation.formacodes = [entry]
    s.add(formation)
    return formation


def _session(s, code, formation, formateur, debut, fin, etat, mesure, centre=None, entreprise=None,
             permanent=False):
    lieu = formateur.lieux[0]
    contact = formation.structure.contacts[1]
    session = Session(
        formation=formation, debut=debut, fin=fin, etat=etat, entree_sortie_permanente=permanent,
        contact=contact, duree_centre=centre, duree_entreprise=entreprise,
        duree_totale=(centre or 0) + (entreprise or 0) or None,
        duree_hebdomadaire=35, prerequis="Savoir lire, écrire et compter.",
        type_parcours=code(K.TYPE_PARCOURS, "1"), modalite_enseignement=code(K.MODALITE_ENSEIGNEMENT, "0"),
        niveau_entree=code(K.NIVEAU, "1"), lieu_inscription=lieu,
        rythmes=[code(K.RYTHME, "03" if mesure.nature != "autre" else "01")],
    )
    session.formateurs = [SessionFormateur(structure=formateur, principal=True)]
    session.lieux = [SessionLieu(lieu=lieu, principal=True)]
    session.financements = [Financement(
        financeur=mesure.financeur, mesure=mesure, etat_recrutement=code(K.ETAT_RECRUTEMENT, "1"),
        nb_places=12, prix_total=4200 if centre and centre > 100 else 900)]
    # An upcoming ICO for running sessions; a past one (before the start) for ended sessions.
    ico_day = debut - timedelta(days=14) if fin < date.today() else min(
        max(debut - timedelta(days=14), date.today() + timedelta(days=7)), fin)
    session.recrutements = [
        Recrutement(modalite=code(K.MODALITE_RECRUTEMENT, "MR.09"), numero="ICO-1", date_debut=ico_day,
                    date_fin=ico_day, heure_debut=time(9, 30), heure_fin=time(11, 30), nb_places=20,
                    ligne=lieu.ligne, code_postal=lieu.code_postal, ville=lieu.ville,
                    commentaire="Présentation de la formation et des métiers."),
        Recrutement(modalite=code(K.MODALITE_RECRUTEMENT, "MR.07"), numero="ISC-1",
                    date_debut=debut - timedelta(days=120), date_fin=debut - timedelta(days=5), nb_places=30),
    ]
    s.add(session)
    return session
