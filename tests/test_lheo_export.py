"""LHEO 2.3 mapping (SPEC J1: the output validates against the official schema; E9: partner
numbers). The offer is built in memory (transient model objects, no database): the mapping
reads ORM objects and the export's loaded records alike. The database side (loading by chunks,
perimeters, flows, gap report) is in test_lheo_flows.py."""
from __future__ import annotations

from datetime import date, time

from flask import Flask
from lxml import etree

from app.lheo.export import DEFAULT_PUBLIC, export_formations, validate
from app.models import (
    BlocCompetences,
    Certification,
    Coordonnee,
    CycleAlternance,
    Financement,
    Financeur,
    Formation,
    FormationCertification,
    Habilitation,
    Lieu,
    Mesure,
    Nomenclature,
    Recrutement,
    Session,
    SessionFormateur,
    SessionLieu,
    Structure,
    StructureContact,
)

NS = {"l": "http://lheo.gouv.fr/2.3"}
TODAY = date(2026, 1, 1)  # the sessions below are running on that day (F15: ended ones are not sent)


def export(formations, region_prefix="14", **options) -> bytes:
    return export_formations(formations, region_prefix, today=TODAY, **options)


# --- building the offer in memory ------------------------------------------------------------


class Offer:
    """Model graphs shaped like the demo region's examples; shared referentials are cached so
    that several formations can also be stored in one database."""

    def __init__(self):
        self._cache = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def nom(self, kind, code, libelle=None):
        return self._once(("nom", kind, code),
                          lambda: Nomenclature(kind=kind, code=code, libelle=libelle or f"{kind} {code}"))

    def financeur(self, code, libelle):
        return self._once(("financeur", code), lambda: Financeur(code=code, libelle=libelle))

    def mesure(self, financeur, code, publics):
        return self._once(("mesure", financeur.code, code), lambda: Mesure(
            financeur=financeur, code=code, libelle=code,
            publics=[self.nom("public", public) for public in publics]))

    def certification(self):
        def make():
            certification = Certification(
                code_rncp="RNCP37839", certif_info="112233", intitule="CAP Maçon",
                niveau_sortie=self.nom("niveau", "13"), formacodes=[self.nom("formacode", "22454")],
                nsf=[self.nom("nsf", "232")], romes=[self.nom("rome", "F1703")])
            for number, libelle in ((1, "Réaliser des ouvrages"), (2, "Préparer le chantier")):
                BlocCompetences(certification=certification, code=f"RNCP37839BC0{number}", libelle=libelle)
            return certification
        return self._once("certification", make)

    def siege(self, name="Bâtiment CFA Normandie"):
        siege = Structure(
            reference=None, raison_sociale=name, enseigne="BTP CFA Normandie", siret="13002087300013",
            nda="28140001714", ligne="12 rue des Compagnons", code_postal="14000", ville="Caen",
            code_insee="14118")
        Coordonnee(structure=siege, nature="telephone", valeur="02 31 00 00 00", principal=True)
        Coordonnee(structure=siege, nature="email", valeur="contact@btp-cfa.example", principal=True)
        Coordonnee(structure=siege, nature="web", valeur="https://btp-cfa.example")
        return siege

    def apprentissage(self, reference=None, session_reference=None) -> Formation:
        """A certifiante apprentissage formation: cycles, blocs, ICO/RDVI/ISC, two formateurs,
        two lieux, several financements."""
        siege = self.siege()
        contact = StructureContact(structure=siege, civilite="Mme", nom="Durand", prenom="Claire",
                                   email="claire.durand@btp-cfa.example", telephone="02 31 00 00 01",
                                   principal=True, type_contact=self.nom("type_contact", "14"))
        antenne = Structure(raison_sociale="BTP CFA Normandie – antenne d'Alençon", siret="13002087300021",
                            parent=siege, ligne="3 rue du Pont", code_postal="61000", ville="Alençon",
                            uai="0610001A")
        caen = Lieu(structure=siege, nom="Site de Caen", ligne="12 rue des Compagnons", code_postal="14000",
                    ville="Caen", latitude=49.18, longitude=-0.37, siret="13002087300013")
        alencon = Lieu(structure=antenne, nom="Site d'Alençon", ligne="3 rue du Pont", code_postal="61000",
                       ville="Alençon")
        certification = self.certification()
        Habilitation(structure=siege, certification=certification)  # E3 holds: the siège is habilitated
        formation = Formation(
            reference=reference, structure=siege, intitule="CAP Maçon en 2 ans (en apprentissage)",
            certifiante=True, apprentissage=True, etat="diffusee", duree_cycle=2,
            objectifs="<p>Former des <b>maçons</b> qualifiés.</p>",
            contenu="<ul><li>Béton armé</li><li>Coffrage</li></ul>",
            niveau_entree=self.nom("niveau", "1"), objectif_general=self.nom("objectif_general", "6"),
            url_page="https://btp-cfa.example/cap-macon")
        FormationCertification(formation=formation, certification=certification, principal=True)
        session = Session(
            reference=session_reference, formation=formation, etat="diffusee", in_draft=False,
            debut=date(2026, 9, 7), fin=date(2028, 6, 30), contact=contact,
            duree_centre=800, duree_entreprise=2200, duree_totale=3000, duree_indicative="2 ans",
            prerequis="<p>Avoir <i>16 ans</i> révolus</p>", type_parcours=self.nom("type_parcours", "1"),
            rythmes=[self.nom("rythme", "ALT", "En alternance"), self.nom("rythme", "TP", "Temps plein")],
            modalite_enseignement=self.nom("modalite_enseignement", "0"),
            modalites_pedagogiques=[self.nom("modalite_pedagogique", "96121")],
            niveau_entree_obligatoire=True, lieu_inscription=caen,
            modalites_inscription="Dossier de candidature en ligne", url_session="https://btp-cfa.example/s",
            validation_blocs=self.nom("validation_blocs", "1"), blocs=list(certification.blocs))
        SessionFormateur(session=session, structure=siege, principal=True)
        SessionFormateur(session=session, structure=antenne)
        SessionLieu(session=session, lieu=alencon)
        SessionLieu(session=session, lieu=caen, principal=True)
        opco = self.financeur("16", "OPCO")
        region = self.financeur("2", "Conseil régional")
        ouvert = self.nom("etat_recrutement", "1")
        Financement(session=session, financeur=opco, mesure=self.mesure(opco, "APP", ["82027"]),
                    nb_places=12, etat_recrutement=ouvert,
                    conditions_prise_en_charge="Coût contrat pris en charge")
        Financement(session=session, financeur=opco, mesure=self.mesure(opco, "PRO", ["82027"]), nb_places=3)
        qualif = self.mesure(region, "QUALIF", ["81024", "82027"])
        Financement(session=session, financeur=region, mesure=qualif, nb_places=4)
        Recrutement(session=session, modalite=self.nom("modalite_recrutement", "MR.09"), numero="ICO-1",
                    date_debut=date(2026, 5, 12), date_fin=date(2026, 5, 12), heure_debut=time(14, 15),
                    heure_fin=time(16, 0), nb_places=20, ligne="12 rue des Compagnons", code_postal="14000",
                    ville="Caen", commentaire="Se présenter à l'accueil")
        Recrutement(session=session, modalite=self.nom("modalite_recrutement", "MR.08"), numero="RDVI-1",
                    date_debut=date(2026, 5, 20), date_fin=date(2026, 5, 20), heure_debut=time(9, 0),
                    heure_fin=time(9, 30), nb_places=1, a_distance=True, url="https://visio.example/rdv")
        Recrutement(session=session, modalite=self.nom("modalite_recrutement", "MR.07"), numero="ISC-1",
                    date_debut=date(2026, 3, 1), date_fin=date(2026, 8, 31), nb_places=30)
        for annee in (2, 1):  # stored out of order on purpose
            CycleAlternance(session=session, annee=annee, type_cycle=self.nom("type_cycle", "1"),
                            type_alternance=self.nom("type_alternance", "1"),
                            unite_rythme=self.nom("unite_rythme", "3"), unites_centre=1, unites_entreprise=3,
                            effectif_minimal=8, capacite_simultanee=12, capacite_cumulee=24)
        return formation

    def minimal(self, intitule="Remise à niveau en français") -> Formation:
        """A non-certifiante formation whose session has almost nothing set."""
        structure = Structure(raison_sociale="Association Lire et Écrire en Pays d'Auge",
                              siret="77567227400037", nda="28140000114", ligne="4 place du Marché",
                              code_postal="14100", ville="Lisieux")
        formation = Formation(reference="100200F", structure=structure, intitule=intitule,
                              objectifs="Lire et écrire au quotidien", etat="diffusee")
        Session(reference="100201S", formation=formation, etat="diffusee", in_draft=False)
        return formation


def parse(document: bytes):
    problems = validate(document)
    assert problems == [], problems
    return etree.fromstring(document)


def texts(node, path) -> list[str]:
    return [found.text for found in node.xpath(path, namespaces=NS)]


def one(node, path) -> str:
    values = texts(node, path)
    assert len(values) == 1, (path, values)
    return values[0]


def local_names(node) -> list[str]:
    return [etree.QName(child).localname for child in node]


# --- mapping -----------------------------------------------------------------------------------


def test_r_j1_apprentissage_formation_maps_every_block_and_validates():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    root = parse(export([formation]))

    f = root.find("l:offres/l:formation", NS)
    assert one(f, "l:domaine-formation/l:code-FORMACODE") == "22454"  # from the certification
    assert f.find("l:domaine-formation/l:code-FORMACODE", NS).get("tag") == "principal"
    assert one(f, "l:domaine-formation/l:code-ROME") == "F1703"
    assert one(f, "l:certifiante") == "1"
    assert one(f, "l:certification/l:code-RNCP") == "37839"  # digits, as LHEO's dictionary writes it
    assert one(f, "l:certification/l:code-CERTIFINFO") == "112233"
    assert one(f, "l:code-niveau-sortie") == "13"
    assert one(f, "l:objectif-general-formation") == "6"
    assert one(f, "l:contact-formation/l:coordonnees/l:nom") == "Durand"

    action = f.find("l:action", NS)
    assert one(action, "l:rythme-formation") == "En alternance, Temps plein"
    assert texts(action, "l:code-public-vise") == ["82027", "81024"]
    assert one(action, "l:niveau-entree-obligatoire") == "1"
    assert one(action, "l:conditions-specifiques") == "Avoir 16 ans révolus"
    assert one(action, "l:prise-en-charge-frais-possible") == "1"
    assert texts(action, "l:lieu-de-formation/l:coordonnees/l:adresse/l:ville") == ["Caen", "Alençon"]
    assert one(action, "l:lieu-de-formation/l:coordonnees/l:adresse/l:geolocalisation/l:latitude") == "49.18"
    assert one(action, "l:lieu-de-formation/l:SIRET-lieu-formation/l:SIRET") == "13002087300013"
    assert one(action, "l:duree-cycle") == "2"
    hours = [one(action, f"l:nombre-heures-{k}") for k in ("centre", "entreprise", "total")]
    assert hours == ["800", "2200", "3000"]
    assert texts(action, "l:organisme-formateur/l:raison-sociale-formateur") == [
        "Bâtiment CFA Normandie", "BTP CFA Normandie – antenne d'Alençon"]
    assert one(action, "l:organisme-formateur/l:code-UAI-formateur/l:code-UAI") == "0610001A"
    financeurs = action.findall("l:organisme-financeur", NS)
    assert [(one(x, "l:code-financeur"), one(x, "l:nb-places-financees")) for x in financeurs] == [
        ("16", "15"), ("2", "4")]

    session = action.find("l:session", NS)
    assert (one(session, "l:periode/l:debut"), one(session, "l:periode/l:fin")) == ("20260907", "20280630")
    assert one(session, "l:adresse-inscription/l:adresse/l:denomination") == "Site de Caen"
    assert one(session, "l:etat-recrutement") == "1"
    assert one(session, "l:contact-session/l:type-contact") == "14"
    assert one(session, "l:contact-session/l:coordonnees/l:courriel") == "claire.durand@btp-cfa.example"

    blocs = session.find("l:blocs-competences", NS)
    assert one(blocs, "l:validation-blocs") == "1"
    assert one(blocs, "l:reference-certification/l:reference-code-RNCP") == "37839"
    assert texts(blocs, "l:bloc-competences/l:code-bloc") == ["RNCP37839BC01", "RNCP37839BC02"]
    assert texts(blocs, "l:bloc-competences/l:libelle-bloc")[0] == "Réaliser des ouvrages"

    cycles = session.findall("l:cycle", NS)
    assert [one(c, "l:annee-cycle") for c in cycles] == ["1", "2"]
    assert one(cycles[0], "l:type-cycle") == "1"
    assert one(cycles[0], "l:capacite-cumulee") == "24"
    assert one(cycles[0], "l:alternance/l:type-alternance") == "1"
    rythme = cycles[0].find("l:alternance/l:rythme-alternance", NS)
    assert local_names(rythme) == ["unite-rythme-alternance", "unites-entreprise", "unites-centre"]
    assert [x.text for x in rythme] == ["3", "3", "1"]

    organisme = f.find("l:organisme-formation-responsable", NS)
    assert one(organisme, "l:numero-activite") == "28140001714"
    assert one(organisme, "l:SIRET-organisme-formation/l:SIRET") == "13002087300013"
    assert one(organisme, "l:nom-organisme") == "BTP CFA Normandie"
    assert one(organisme, "l:raison-sociale") == "Bâtiment CFA Normandie"
    coords = organisme.find("l:coordonnees-organisme/l:coordonnees", NS)
    assert one(coords, "l:telfixe/l:numtel") == "02 31 00 00 00"
    assert one(coords, "l:courriel") == "contact@btp-cfa.example"
    assert one(coords, "l:web/l:urlweb") == "https://btp-cfa.example"
    assert one(organisme, "l:contact-organisme/l:coordonnees/l:prenom") == "Claire"


def test_r_j1_recrutement_modalities_ico_rdvi_isc():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    root = parse(export([formation]))
    ico, rdvi, isc = root.findall(".//l:session/l:recrutement", NS)

    assert one(ico, "l:modalite-recrutement") == "9"
    assert one(ico, "l:a-distance") == "0"
    assert one(ico, "l:adresse/l:ligne") == "12 rue des Compagnons"
    assert (one(ico, "l:heure-debut"), one(ico, "l:heure-fin")) == ("14h15", "16h")
    assert (one(ico, "l:periode/l:debut"), one(ico, "l:periode/l:fin")) == ("20260512", "20260512")
    assert one(ico, "l:nb-places") == "20"
    assert one(ico, "l:commentaire") == "Se présenter à l'accueil"

    assert one(rdvi, "l:modalite-recrutement") == "8"
    assert one(rdvi, "l:a-distance") == "1"
    assert rdvi.find("l:adresse", NS) is None
    assert one(rdvi, "l:urlweb") == "https://visio.example/rdv"
    assert (one(rdvi, "l:heure-debut"), one(rdvi, "l:heure-fin")) == ("9h", "9h30")

    assert one(isc, "l:modalite-recrutement") == "7"
    assert (one(isc, "l:periode/l:debut"), one(isc, "l:periode/l:fin")) == ("20260301", "20260831")
    assert isc.find("l:heure-debut", NS) is None


def test_r_j1_minimal_non_certifiante_session_validates_with_placeholders():
    root = parse(export([Offer().minimal()]))
    f = root.find("l:offres/l:formation", NS)

    assert one(f, "l:certifiante") == "0"
    assert f.find("l:certification", NS) is None
    assert one(f, "l:resultats-attendus") == "-"
    assert one(f, "l:contenu-formation") == "-"
    assert one(f, "l:parcours-de-formation") == "1"
    assert one(f, "l:code-niveau-entree") == "0"
    # no contact anywhere: the organisation's name stands in
    assert one(f, "l:contact-formation/l:coordonnees/l:nom") == "Association Lire et Écrire en Pays d'Auge"
    action = f.find("l:action", NS)
    assert one(action, "l:rythme-formation") == "-"
    assert texts(action, "l:code-public-vise") == [DEFAULT_PUBLIC] == ["83056"]
    assert one(action, "l:modalites-alternance") == "Sans alternance."
    assert one(action, "l:conditions-specifiques") == "aucune"
    assert one(action, "l:prise-en-charge-frais-possible") == "0"
    assert one(action, "l:modalites-enseignement") == "0"
    assert action.find("l:lieu-de-formation", NS) is None
    session = action.find("l:session", NS)
    assert (one(session, "l:periode/l:debut"), one(session, "l:periode/l:fin")) == ("00000000", "99999999")
    # no lieu d'inscription: the OF responsable's address
    assert one(session, "l:adresse-inscription/l:adresse/l:ville") == "Lisieux"
    assert one(session, "l:adresse-inscription/l:adresse/l:codepostal") == "14100"
    assert local_names(session) == ["periode", "adresse-inscription"]


def test_r_j1_without_any_address_the_inscription_gets_a_placeholder():
    formation = Offer().minimal()
    formation.structure.ligne = formation.structure.code_postal = formation.structure.ville = None
    root = parse(export([formation]))
    address = root.find(".//l:adresse-inscription/l:adresse", NS)
    assert [x.text for x in address] == ["-", "00000", "-"]


def test_r_j1_organisation_contact_and_nda_fallbacks():
    offer = Offer()
    formation = offer.minimal()
    structure = formation.structure
    Coordonnee(structure=structure, nature="email", valeur="accueil@lire.example", principal=True)
    root = parse(export([formation]))
    assert one(root, "//l:contact-organisme/l:coordonnees/l:courriel") == "accueil@lire.example"
    assert root.xpath("//l:contact-organisme/l:coordonnees/l:nom", namespaces=NS) == []

    # an antenna as OF responsable: the siège's NDA; no NDA at all: 11 nines
    siege = offer.siege()
    structure.parent, structure.nda = siege, None
    root = parse(export([formation]))
    assert one(root, "//l:numero-activite") == "28140001714"
    siege.nda = None
    root = parse(export([formation]))
    assert one(root, "//l:numero-activite") == "99999999999"


def test_r_j1_contact_name_is_truncated_to_50_characters():
    formation = Offer().minimal()
    formation.structure.raison_sociale = "Groupement d'établissements publics locaux " * 4
    root = parse(export([formation]))
    name = one(root, "//l:contact-organisme/l:coordonnees/l:nom")
    assert len(name) == 50 and name.startswith("Groupement d'établissements")
    assert one(root, "//l:raison-sociale") == formation.structure.raison_sociale.strip()


def test_r_j1_html_is_stripped_from_rich_text():
    formation = Offer().minimal()
    formation.objectifs = ("<p>Apprendre à <b>lire</b> &amp; écrire</p>"
                           "<ul><li>Courriers</li><li>Formulaires</li></ul>")
    formation.resultats = "<p>Attestation de <em>compétences</em></p><!-- brouillon -->"
    root = parse(export([formation]))
    assert one(root, "//l:objectif-formation") == "Apprendre à lire & écrire\nCourriers\nFormulaires"
    assert one(root, "//l:resultats-attendus") == "Attestation de compétences"
    assert b"&lt;" not in export([formation])


def test_r_j1_long_texts_are_truncated_to_schema_lengths():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    formation.intitule = "Maçonnerie " * 40  # 440 characters
    formation.objectifs = "x" * 4000
    session = formation.sessions[0]
    session.lieux[0].lieu.ligne = "Zone artisanale " * 5
    session.recrutements[0].commentaire = "c" * 600
    session.blocs[0].libelle = "b" * 700
    root = parse(export([formation]))
    assert len(one(root, "//l:intitule-formation")) == 255
    assert len(one(root, "//l:objectif-formation")) == 3000
    assert max(len(line) for line in texts(root, "//l:adresse/l:ligne")) == 50
    assert len(texts(root, "//l:recrutement/l:commentaire")[0]) == 500
    assert len(texts(root, "//l:libelle-bloc")[0]) == 500


def test_r_j1_children_follow_the_schema_order():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    document = export([formation])
    root = parse(document)
    assert local_names(root.find(".//l:formation", NS)) == [
        "domaine-formation", "intitule-formation", "objectif-formation", "resultats-attendus",
        "contenu-formation", "certifiante", "contact-formation", "parcours-de-formation",
        "code-niveau-entree", "objectif-general-formation", "certification", "code-niveau-sortie",
        "url-formation", "action", "organisme-formation-responsable", "extras"]
    assert local_names(root.find(".//l:action", NS)) == [
        "rythme-formation", "code-public-vise", "code-public-vise", "niveau-entree-obligatoire",
        "modalites-alternance", "modalites-enseignement", "conditions-specifiques",
        "prise-en-charge-frais-possible", "lieu-de-formation", "lieu-de-formation",
        "modalites-entrees-sorties", "duree-cycle", "session", "adresse-information", "date-information",
        "code-modalite-pedagogique", "duree-indicative", "nombre-heures-centre", "nombre-heures-entreprise",
        "nombre-heures-total", "detail-conditions-prise-en-charge", "organisme-formateur",
        "organisme-formateur", "organisme-financeur", "organisme-financeur", "extras"]
    assert local_names(root.find(".//l:session", NS)) == [
        "periode", "adresse-inscription", "modalites-inscription", "periode-inscription", "etat-recrutement",
        "recrutement", "recrutement", "recrutement", "url-session", "contact-session", "reference-certification",
        "blocs-competences", "cycle", "cycle"]

    # the schema itself enforces the order: swapping two siblings is reported
    action = root.find(".//l:action", NS)
    action.insert(0, action.find("l:modalites-alternance", NS))
    problems = validate(etree.tostring(root))
    assert problems and "rythme-formation" in " ".join(problems)


def test_r_j1_validate_requires_the_lheo_root_and_well_formed_xml():
    formation = etree.fromstring(export([Offer().minimal()])).find(
        ".//l:formation", NS)
    problems = validate(etree.tostring(formation))
    assert len(problems) == 1 and "lheo" in problems[0]
    assert validate(b"<lheo")[0].startswith("XML mal form")


def test_r_j1_archived_sessions_and_formations_without_sessions_are_left_out():
    offer = Offer()
    formation = offer.minimal()
    Session(reference="100202S", formation=formation, etat="archivee", debut=date(2020, 1, 6))
    only_archived = offer.minimal(intitule="Anglais professionnel")
    only_archived.sessions[0].etat = "archivee"
    root = parse(export([formation, only_archived]))
    assert texts(root, "//l:intitule-formation") == ["Remise à niveau en français"]
    assert [s.get("numero") for s in root.findall(".//l:session", NS)] == ["14_100201S"]


def test_r_j1_several_sessions_export_as_one_action_each():
    formation = Offer().minimal()
    Session(reference="100202S", formation=formation, debut=date(2026, 1, 5), fin=date(2026, 3, 27),
            etat="diffusee", in_draft=False)
    root = parse(export([formation]))
    actions = root.findall(".//l:action", NS)
    assert [len(action.findall("l:session", NS)) for action in actions] == [1, 1]
    assert texts(root, "//l:session/l:periode/l:debut") == ["00000000", "20260105"]


# --- numbering (E9) ----------------------------------------------------------------------------


def test_r_e9_r_j3_every_number_carries_the_region_prefix():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    formation.structure.reference = "100001O"
    formation.sessions[0].formateurs[1].structure.reference = "100002O"
    root = parse(export([formation]))
    assert root.find(".//l:formation", NS).get("numero") == "14_100010F"
    assert root.find(".//l:action", NS).get("numero") == "14_100123S"
    assert root.find(".//l:session", NS).get("numero") == "14_100123S"
    assert root.find(".//l:organisme-formation-responsable", NS).get("numero") == "14_100001O"
    assert [o.get("numero") for o in root.findall(".//l:organisme-formateur", NS)] == ["14_100001O", "14_100002O"]


def test_r_e9_region_prefix_defaults_to_the_app_config_and_can_be_disabled():
    formation = Offer().minimal()
    config_only = Flask("lheo-config")  # a bare Flask app: only its config is read
    config_only.config["REGION_PREFIX"] = "07"
    with config_only.app_context():
        root = parse(export_formations([formation], today=TODAY))
        assert root.find(".//l:session", NS).get("numero") == "07_100201S"
        assert root.find(".//l:formation", NS).get("numero") == "07_100200F"
        root = parse(export_formations([formation], region_prefix="", today=TODAY))
        assert root.find(".//l:session", NS).get("numero") == "100201S"


