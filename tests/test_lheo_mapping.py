"""LHEO 2.3: the complete mapping of issue 13 (extras, prefixes, timestamps, RNCP digits,
département/région, prices, contacts, potentiel), XML 1.0 cleaning, one invalid formation left out
of a valid file, and the gap report — on offers built in memory (no database)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from app.lheo.export import export_formations, validate
from app.lheo.report import BLOCKING, CLEANED, DEFAULT, EXCLUDED, GapReport
from app.models import (
    Financement,
    Formation,
    FormationEtat,
    Session,
    SessionEtat,
    Structure,
    StructureContact,
)
from tests.test_lheo_export import NS, TODAY, Offer, export, local_names, one, parse, texts


def _extras(node, info) -> dict[str, str]:
    group = node.find(f"l:extras[@info='{info}']", NS)
    assert group is not None, info
    return {extra.get("info"): extra.text for extra in group.findall("l:extra", NS)}


def test_r_j3_extras_tell_afc_aif_and_poei_apart_and_carry_the_regional_data():
    offer = Offer()
    formation = offer.minimal()
    formation.mots_cles, formation.metiers_vises = "bureautique, tableur", "Secrétaire"
    formation.plus_formation = "Petits groupes et plateau numérique."
    session = formation.sessions[0]
    france_travail = offer.financeur("4", "France Travail")
    conventionne = offer.nom("etat_dispositif", "02", "Conventionné")
    session.financements = [
        Financement(financeur=france_travail, mesure=offer.mesure(france_travail, "FT-AFC", ["81024"]),
                    etat_dispositif=conventionne, numero_marche="26-FT-AFC-0042", nb_places=12,
                    prix_total=Decimal("4200.00")),
        Financement(financeur=france_travail, mesure=offer.mesure(france_travail, "FT-AIF", ["81024"]), nb_places=2),
        Financement(financeur=france_travail, mesure=offer.mesure(france_travail, "FT-POEI", ["81024"]), nb_places=1),
    ]
    root = parse(export([formation]))
    action = root.find(".//l:action", NS)
    assert texts(action, "l:organisme-financeur/l:code-financeur") == ["4"]  # LHEO cannot tell them apart
    financements = action.findall("l:extras[@info='financements']/l:extras[@info='financement']", NS)
    rows = [{e.get("info"): e.text for e in group} for group in financements]
    assert [row["code-dispositif"] for row in rows] == ["FT-AFC", "FT-AIF", "FT-POEI"]
    assert {row["code-financeur"] for row in rows} == {"4"}
    assert rows[0]["etat-dispositif"] == "Conventionné" and rows[0]["numero-marche"] == "26-FT-AFC-0042"
    assert action.find("l:extras/l:extras/l:extra[@info='etat-dispositif']", NS).get("ref") == "02"
    assert rows[0]["prix-total"] == "4200.00" and rows[0]["nb-places"] == "12"
    assert one(action, "l:conventionnement") == "1"
    assert _extras(root.find(".//l:formation", NS), "formation") == {
        "mots-cles": "bureautique, tableur", "metiers-vises": "Secrétaire",
        "le-plus-de-la-formation": "Petits groupes et plateau numérique.", "apprentissage": "0"}


def test_r_j1_timestamps_where_the_schema_allows_them():
    formation = Offer().apprentissage(reference="100010F", session_reference="100123S")
    formation.created_at, formation.updated_at = datetime(2025, 3, 4, 8, 30), datetime(2026, 1, 2, 17, 5, 9)
    session = formation.sessions[0]
    session.created_at, session.updated_at = datetime(2025, 4, 1, 9, 0), datetime(2025, 12, 1, 10, 0)
    formation.structure.created_at = formation.structure.updated_at = datetime(2020, 1, 1)
    root = parse(export([formation], exported_at=datetime(2026, 1, 5, 6, 0)))
    assert root.get("horodatage-export") == "2026-01-05T06:00:00Z" and root.get("datecrea") == "20260105"
    f = root.find(".//l:formation", NS)
    assert (f.get("horodatage-creation"), f.get("horodatage-modification")) == (
        "2025-03-04T08:30:00Z", "2026-01-02T17:05:09Z")
    assert (f.get("datecrea"), f.get("datemaj")) == ("20250304", "20260102")
    for node in (root.find(".//l:action", NS), root.find(".//l:session", NS)):
        assert (node.get("datecrea"), node.get("datemaj")) == ("20250401", "20251201")
        assert node.get("horodatage-modification") == "2025-12-01T10:00:00Z"
    assert root.find(".//l:organisme-formation-responsable", NS).get("horodatage-creation") == "2020-01-01T00:00:00Z"


def test_r_j1_complete_mapping_of_what_the_model_holds():
    offer = Offer()
    formation = offer.apprentissage(reference="100010F", session_reference="100123S")
    siege = formation.structure
    siege.qualiopi_action_formation = siege.qualiopi_apprentissage = True
    siege.potentiel_formacodes = [offer.nom("formacode", "22454"), offer.nom("formacode", "22435")]
    siege.infrastructures = [offer.nom("infrastructure", "01"), offer.nom("infrastructure", "03"),
                             offer.nom("infrastructure", "06")]
    certification = formation.certifications[0].certification
    session = formation.sessions[0]
    session.referent_handicap = "M. Petit, référent handicap"
    session.financements[0].prix_ttc, session.financements[0].frais_inscription = Decimal("9000.00"), Decimal("50")
    root = parse(export([formation]))
    f = root.find(".//l:formation", NS)
    assert one(f, "l:certification/l:code-CERTIFINFO") == "112233"
    assert one(f, "l:domaine-formation/l:code-NSF") == "232"
    assert one(f, "l:domaine-formation/l:code-ROME") == "F1703"
    action = f.find("l:action", NS)
    assert one(action, "l:modalites-alternance") == (
        "Rythme de l'alternance, année 1 : 1 semaine en centre, 3 semaines en entreprise ; année 2 : 1 semaine "
        "en centre, 3 semaines en entreprise. 800 h en centre, 2200 h en entreprise.")
    assert texts(action, "l:lieu-de-formation/l:coordonnees/l:adresse/l:departement") == ["14", "61"]
    assert texts(action, "l:lieu-de-formation/l:coordonnees/l:adresse/l:region") == ["28", "28"]
    assert (one(action, "l:prix-total-TTC"), one(action, "l:prix-horaire-TTC")) == ("9000.00", "3.00")
    assert one(action, "l:frais-restants") == "Frais d'inscription : 50.00 €"
    assert one(action, "l:restauration") == "Restauration sur place"
    assert one(action, "l:transport") == "Accès : train"
    assert one(action, "l:date-information/l:date") == "20260512"  # the ICO
    contacts = action.findall("l:session/l:contact-session", NS)
    assert [one(c, "l:type-contact") for c in contacts] == ["14", "1"]
    assert one(contacts[1], "l:coordonnees/l:nom") == "M. Petit, référent handicap"
    assert one(action, "l:session/l:periode-inscription/l:periode/l:debut") == "20260301"  # the ISC
    formateur = action.find("l:organisme-formateur", NS)
    assert one(formateur, "l:contact-formateur/l:coordonnees/l:nom") == "Durand"
    assert texts(formateur, "l:potentiel/l:code-FORMACODE") == ["22454", "22435"]
    responsable = f.find("l:organisme-formation-responsable", NS)
    assert one(responsable, "l:renseignements-specifiques") == "Certifié Qualiopi : actions de formation, apprentissage."
    assert one(responsable, "l:coordonnees-organisme/l:coordonnees/l:adresse/l:departement") == "14"
    assert certification.code_rncp == "RNCP37839" and one(f, "l:certification/l:code-RNCP") == "37839"


def test_r_j1_characters_forbidden_in_xml_are_cleaned_from_every_text():
    offer = Offer()
    formation = offer.apprentissage(reference="100010F", session_reference="100123S")
    formation.intitule = "CAP Maçon\x01 en 2 ans\ud800 (en apprentissage)"
    formation.objectifs = "<p>Former\x0b des maçons\ufffe</p>"
    formation.mots_cles = "béton\x1f, coffrage\uffff"
    formation.structure.raison_sociale = "Bâtiment\x00 CFA Normandie"
    session = formation.sessions[0]
    session.contact.nom = "Durand\udc80"
    session.lieux[0].lieu.nom = "Site\x08 d'Alençon"
    session.financements[0].numero_marche = "26\x0c-0042"
    session.reference = "100123S\x02"
    report = GapReport()
    root = parse(export([formation], report=report))
    assert one(root, "//l:intitule-formation") == "CAP Maçon en 2 ans (en apprentissage)"
    assert one(root, "//l:objectif-formation") == "Former des maçons"
    assert one(root, "//l:contact-formation/l:coordonnees/l:nom") == "Durand"
    assert one(root, "//l:raison-sociale") == "Bâtiment CFA Normandie"
    assert root.find(".//l:session", NS).get("numero") == "14_100123S"
    assert _extras(root.find(".//l:formation", NS), "formation")["mots-cles"] == "béton, coffrage"
    cleaned = {line.path for line in report.lines.values() if line.nature == CLEANED}
    assert {"formation/intitule-formation", "formation/contact-formation/coordonnees/nom",
            "formation/organisme-formation-responsable/raison-sociale"} <= cleaned


def test_r_j1_one_invalid_formation_leaves_the_rest_of_the_file_valid_and_is_reported():
    offer = Offer()
    valid = offer.minimal(intitule="Remise à niveau en français")
    no_siret = offer.minimal(intitule="Anglais professionnel")
    no_siret.reference, no_siret.sessions[0].reference = "100300F", "100301S"
    no_siret.structure.siret = ""
    surrogate = offer.minimal(intitule="Espagnol\ud83d pour débutants")
    surrogate.reference, surrogate.sessions[0].reference = "100400F", "100401S"
    stream = io.StringIO()
    report = GapReport(stream)
    root = parse(export([valid, no_siret, surrogate], report=report))  # parse() asserts it is valid
    assert texts(root, "//l:intitule-formation") == ["Remise à niveau en français", "Espagnol pour débutants"]
    blocking = [line for line in report.lines.values() if line.nature == BLOCKING]
    assert [(line.path, line.references) for line in blocking] == [
        ("formation/organisme-formation-responsable/SIRET-organisme-formation/SIRET", ["100300F"])]
    assert "SIRET absent ou mal formé" in blocking[0].reason
    rows = list(csv.DictReader(io.StringIO(stream.getvalue()), delimiter=";"))
    assert {(row["nature"], row["formation"]) for row in rows if row["nature"] in (BLOCKING, CLEANED)} == {
        (BLOCKING, "100300F"), (CLEANED, "100400F")}
    # the defaults of the formation left out are not counted as written
    assert not [row for row in rows if row["formation"] == "100300F" and row["nature"] == DEFAULT]
    assert report.written == {"formations": 2, "actions": 2}


def test_r_j1_gap_report_counts_each_default_by_path_with_its_references():
    offer = Offer()
    first, second = offer.minimal(), offer.minimal(intitule="Anglais")
    second.reference, second.sessions[0].reference = "100300F", "100301S"
    report = GapReport()
    export([first, second], report=report)
    lines = {(line.path, line.reason): line for line in report.lines.values() if line.nature == DEFAULT}
    assert lines[("formation/action/code-public-vise", "« 83056 »")].references == ["100201S", "100301S"]
    assert lines[("formation/contenu-formation", "« - »")].count == 2
    assert lines[("formation/action/session/periode/debut", "« 00000000 »")].count == 2
    assert lines[("formation/code-niveau-entree", "« 0 »")].references == ["100200F", "100300F"]
    assert ("formation/action/session/adresse-inscription/adresse", "« adresse de l'OF responsable »") in lines
    assert "Valeurs par défaut écrites" in report.text()


def test_r_j1_an_alternance_without_rythme_nor_hours_gets_a_reported_placeholder():
    offer = Offer()
    formation = offer.minimal()
    formation.sessions[0].rythmes = [offer.nom("rythme", "03", "En alternance")]
    report = GapReport()
    root = parse(export([formation], report=report))
    assert one(root, "//l:modalites-alternance") == "-"
    assert any(line.path == "formation/action/modalites-alternance" for line in report.lines.values())


# --- never a draft, a pending change or an unvalidated session (J3, G1, G2) -------------------


SESSION_STATES = sorted(SessionEtat.LABELS)
FORMATION_STATES = sorted(FormationEtat.LABELS)


@st.composite
def offers(draw):
    """Formations in random states, each with sessions in random states, some drafts' copies."""
    formations = []
    for index in range(draw(st.integers(1, 4))):
        structure = Structure(raison_sociale=f"OF {index}", siret="44306184100047", nda="28760456776",
                              ligne="1 rue", code_postal="76000", ville="Rouen")
        formation = Formation(reference=f"1{index:05d}F", structure=structure, intitule=f"Formation {index}",
                              objectifs="Apprendre", etat=draw(st.sampled_from(FORMATION_STATES)))
        if draw(st.booleans()):
            formation.draft_of = Formation(reference=f"2{index:05d}F", intitule="Publiée", objectifs="x")
        for number in range(draw(st.integers(1, 4))):
            Session(reference=f"1{index:02d}{number:03d}S", formation=formation,
                    etat=draw(st.sampled_from(SESSION_STATES)), in_draft=draw(st.booleans()),
                    debut=date(2026, 2, 1), fin=date(2026, 6, 30))
        formations.append(formation)
    return formations


@settings(max_examples=150, deadline=None)
@given(offers(), st.sampled_from(["kairos", "parcoursup", "national"]))
def test_r_j3_r_g2_no_draft_pending_or_unvalidated_session_in_any_export(formations, partner):
    report = GapReport()
    root = etree.fromstring(export_formations(formations, "14", partner=partner, today=TODAY, report=report))
    sent = {s.get("numero").removeprefix("14_") for s in root.iter("{http://lheo.gouv.fr/2.3}session")}
    published = {s.reference for f in formations for s in f.sessions
                 if f.etat == FormationEtat.DIFFUSEE and f.draft_of is None
                 and s.etat == SessionEtat.DIFFUSEE and not s.in_draft}
    assert sent <= published
    if partner == "national":
        assert sent == published  # everything validated, nothing more
    # what is not sent is in the gap report: its formation left out, or the session itself
    reported = {nature: {ref for line in report.lines.values() if line.nature == nature for ref in line.references}
                for nature in (BLOCKING, EXCLUDED)}
    for formation in formations:
        for session in formation.sessions:
            if session.reference not in sent:
                assert formation.reference in reported[BLOCKING] or session.reference in reported[EXCLUDED]


def test_r_j1_children_lists_are_unchanged_by_a_contact_without_type():
    """A contact without type-contact (optional) still gives a valid contact block."""
    formation = Offer().minimal()
    formation.structure.contacts = [StructureContact(nom="Lemoine", principal=True)]
    root = parse(export([formation]))
    assert local_names(root.find(".//l:contact-organisme", NS)) == ["coordonnees"]
    assert one(root, "//l:contact-organisme/l:coordonnees/l:nom") == "Lemoine"


def test_r_f6_r_j1_fees_exported_with_the_rate_of_vat_and_the_fees_left_to_pay():
    offer = Offer()
    formation = offer.apprentissage(reference="100010F", session_reference="100123S")
    financement = formation.sessions[0].financements[0]
    financement.prix_ht, financement.tva, financement.prix_ttc = Decimal("1000"), Decimal("20"), Decimal("1200")
    financement.frais_certification, financement.frais_additionnels = Decimal("150"), Decimal("49.9")
    financement.frais_additionnels_details = "Tenue de travail"
    report = GapReport()
    document = export([formation], report=report)
    assert validate(document) == []
    action = parse(document).find(".//l:action", NS)
    assert one(action, "l:prix-total-TTC") == "1200.00"
    assert one(action, "l:frais-restants") == (
        "Frais de certification : 150.00 € ; frais additionnels non pris en charge : 49.90 €")
    extras = {extra.get("info"): extra.text
              for extra in action.iterfind(".//l:extras[@info='financement']/l:extra", NS)}
    assert (extras["prix-HT"], extras["taux-TVA"], extras["prix-TTC"]) == ("1000.00", "20.00", "1200.00")
    assert (extras["frais-certification"], extras["frais-additionnels"]) == ("150.00", "49.90")
    assert extras["detail-frais-additionnels"] == "Tenue de travail"


def test_r_f6_r_j1_prise_en_charge_as_the_organisation_said_else_from_the_financeur():
    offer = Offer()
    formation = offer.apprentissage(reference="100010F", session_reference="100123S")
    financement = formation.sessions[0].financements[0]
    derived = one(parse(export([formation])).find(".//l:action", NS), "l:prise-en-charge-frais-possible")
    assert derived == "1"  # the demo's financeur is not the trainee: a funder pays
    financement.prise_en_charge_frais = False  # seed 004: « Prise en charge des frais pédagogiques : non »
    document = export([formation])
    assert validate(document) == []
    assert one(parse(document).find(".//l:action", NS), "l:prise-en-charge-frais-possible") == "0"


def test_r_f5_referents_exported_as_contact_session_with_their_type():
    offer = Offer()
    formation = offer.apprentissage(reference="100010F", session_reference="100123S")
    session = formation.sessions[0]
    session.referent_handicap_contact = StructureContact(
        structure=formation.structure, civilite="M.", nom="Petit", prenom="Louis", email="l.petit@cfa.example",
        telephone="0231000000")
    session.referent_handicap = None
    session.referent_mobilite = "Mme Martin, 02 31 00 00 00"
    document = export([formation])
    assert validate(document) == []
    contacts = parse(document).findall(".//l:session/l:contact-session", NS)
    by_type = {one(c, "l:type-contact"): c for c in contacts}
    assert one(by_type["1"], "l:coordonnees/l:nom") == "Petit"
    assert one(by_type["1"], "l:coordonnees/l:courriel") == "l.petit@cfa.example"
    assert one(by_type["2"], "l:coordonnees/l:nom") == "Mme Martin, 02 31 00 00 00"
