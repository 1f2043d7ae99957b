"""C6 from the source (issue 17 item 2): the Qualiopi flags of the structures come from the DGEFP
public list of training organisations (`flask referentials load-qualiopi`, the nightly job), not
from the organisations; a lost certification raises C6 on the sessions that need it."""
from __future__ import annotations

import json
import logging
from datetime import date

from sqlalchemy import select

from app.checks import session_record_problems
from app.extensions import db
from app.jobs.tasks import PERIODIC, load_qualiopi
from app.models import HistoryEntry, Structure
from app.refdata.qualiopi import lost_qualiopi_count
from app.workflow.structure_changes import pending
from tests.helpers import formation_like, structure
from tests.test_rules_panels import panel, session_page

# The header of the real export (data.gouv.fr "Liste publique des organismes de formation"), every
# line ending with ";".
HEADER = (
    "numeroDeclarationActivite;numerosDeclarationActivitePrecedent;denomination;siren;siretEtablissementDeclarant;"
    "adressePhysiqueOrganismeFormation.voie;adressePhysiqueOrganismeFormation.codePostal;"
    "adressePhysiqueOrganismeFormation.ville;adressePhysiqueOrganismeFormation.codeRegion;"
    "certifications.actionsDeFormation;certifications.bilansDeCompetences;certifications.VAE;"
    "certifications.actionsDeFormationParApprentissage;organismeEtrangerRepresente.denomination;"
    "organismeEtrangerRepresente.voie;organismeEtrangerRepresente.codePostal;organismeEtrangerRepresente.ville;"
    "organismeEtrangerRepresente.pays;informationsDeclarees.dateDerniereDeclaration;"
    "informationsDeclarees.debutExercice;informationsDeclarees.finExercice;"
    "informationsDeclarees.specialitesDeFormation.codeSpecialite1;"
    "informationsDeclarees.specialitesDeFormation.libelleSpecialite1;"
    "informationsDeclarees.specialitesDeFormation.codeSpecialite2;"
    "informationsDeclarees.specialitesDeFormation.libelleSpecialite2;"
    "informationsDeclarees.specialitesDeFormation.codeSpecialite3;"
    "informationsDeclarees.specialitesDeFormation.libelleSpecialite3;informationsDeclarees.nbStagiaires;"
    "informationsDeclarees.nbStagiairesConfiesParUnAutreOF;informationsDeclarees.effectifFormateurs;"
)
CFA, HORIZON, GRETA = "28140123414", "28760456776", "25500098750"
FLAGS = ("qualiopi_action_formation", "qualiopi_bilan", "qualiopi_vae", "qualiopi_apprentissage")


def line(nda: str, action: str, bilan: str, vae: str, apprentissage: str, name: str = "OF") -> str:
    return (f'"{nda}";"";"{name}";"111111111";"11111111100011";"1 rue";"14000";"Caen";"28";'
            f'{action};{bilan};{vae};{apprentissage};;"";"";"";"";03/12/2025;01/01/2025;31/12/2025;'
            f'"312";"Commerce, vente";;;;;12;0;2;')


def write_list(tmp_path, *lines: str, header: str = HEADER):
    path = tmp_path / "liste-publique-of.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def load(app, path, *options):
    return app.test_cli_runner().invoke(args=["referentials", "load-qualiopi", str(path), *options])


def flags(item: Structure) -> tuple[bool, ...]:
    return tuple(getattr(item, name) for name in FLAGS)


def fresh(name: str) -> Structure:
    db.session.expire_all()
    return structure(name)


def test_r_c6_qualiopi_loaded_from_list(app, tmp_path, reset_demo):
    path = write_list(tmp_path,
                      line(CFA, "true", "false", "true", "false", "CFA BTP"),
                      line(HORIZON, "true", "true", "true", "true"),
                      line("11759999999", "true", "false", "false", "false", "Inconnu à Paris"))
    result = load(app, path, "--date", "01/12/2026")
    assert result.exit_code == 0, result.output
    assert "Liste publique des organismes de formation du 01/12/2026 : 3 ligne(s) lue(s)." in result.output
    assert "Structures retrouvées par leur NDA : 2." in result.output
    assert "NDA inconnus du portail, ignorés : 1." in result.output
    assert "Lignes mal formées, ignorées : 0." in result.output
    cfa = fresh("CFA Bâtiment Normandie")
    # set by NDA: VAE gained, apprentissage lost; the antennas (no NDA, C1) take their siège's
    assert flags(cfa) == (True, False, True, False)
    assert {flags(a) for a in cfa.antennes} == {(True, False, True, False)}
    assert flags(structure("Institut Horizon Formation")) == (True, True, True, True)
    # the GRETA's NDA is not in the list: its certifications go
    greta = structure("GRETA du Cotentin")
    assert flags(greta) == (False, False, False, False)
    assert {cfa.qualiopi_source_le, greta.qualiopi_source_le} == {date(2026, 12, 1)}
    entry = db.session.execute(select(HistoryEntry).where(
        HistoryEntry.entity == "structure", HistoryEntry.entity_id == greta.id)).scalars().all()[-1]
    assert entry.action == "Certifications Qualiopi mises à jour (liste publique du 01/12/2026)"
    assert entry.comment == "Perdue(s) : actions de formation, VAE."
    assert "Certifications Qualiopi perdues" in result.output

    # loaded again, the same list changes nothing more
    again = load(app, path, "--date", "02/12/2026")
    assert "Certifications Qualiopi gagnées : 0 (0 structure(s))." in again.output
    assert "Certifications Qualiopi perdues : 0 (0 structure(s))." in again.output
    assert fresh("CFA Bâtiment Normandie").qualiopi_source_le == date(2026, 12, 2)


def test_r_c6_wrong_columns_refused_with_nothing_written(app, tmp_path, reset_demo):
    before = flags(fresh("CFA Bâtiment Normandie"))
    wrong = write_list(tmp_path, f'"{CFA}";"CFA";false', header="numeroDeclarationActivite;denomination;qualiopi")
    result = load(app, wrong)
    assert result.exit_code != 0
    assert "Ce fichier n'est pas la liste publique des organismes de formation" in result.output
    assert "« certifications.actionsDeFormation »" in result.output and "Rien n'a été modifié." in result.output
    # the real columns separated by commas are not the export either
    commas = write_list(tmp_path, line(CFA, "false", "false", "false", "false").replace(";", ","),
                        header=HEADER.replace(";", ","))
    assert "colonne(s) absente(s)" in load(app, commas).output
    # right columns, not one valid line: refused too (the whole region would lose its flags)
    empty = write_list(tmp_path, f'"ABC";' + ";" * 29)
    refused = load(app, empty)
    assert refused.exit_code != 0 and "Aucune ligne valide" in refused.output
    # a date that is not one
    good = write_list(tmp_path, line(CFA, "false", "false", "false", "false"))
    bad_date = load(app, good, "--date", "31/02/2026")
    assert bad_date.exit_code != 0 and "date « 31/02/2026 » non valide (JJ/MM/AAAA attendu)" in bad_date.output
    cfa = fresh("CFA Bâtiment Normandie")
    assert flags(cfa) == before and cfa.qualiopi_source_le is None
    assert db.session.execute(select(Structure).where(Structure.qualiopi_source_le.is_not(None))).first() is None


def test_r_c6_malformed_lines_reported_with_their_numbers(app, tmp_path, reset_demo):
    path = write_list(tmp_path,
                      line(HORIZON, "false", "false", "false", "false"),
                      line("2876045677", "true", "false", "false", "false"),  # 10 digits
                      line(GRETA, "true", "false", "peut-être", "false"),
                      f'"11759999999";"";"Tronquée";true',
                      line(CFA, "true", "false", "false", "true"))
    result = load(app, path)
    assert result.exit_code == 0, result.output
    assert "Lignes mal formées, ignorées : 3." in result.output
    assert ("ligne 3 : numéro de déclaration d'activité « 2876045677 » non valide (11 chiffres attendus)"
            in result.output)
    assert "ligne 4 : valeur « peut-être » non valide en certifications.VAE (true ou false attendu)" in result.output
    assert "ligne 5 : 4 champ(s) au lieu de 31" in result.output
    # the good lines are applied; the GRETA, whose line is malformed, is left as it was
    assert flags(fresh("Institut Horizon Formation")) == (False, False, False, False)
    greta = structure("GRETA du Cotentin")
    assert flags(greta) == (True, False, True, False) and greta.qualiopi_source_le is None
    assert "Structures laissées telles quelles (leur NDA est sur une ligne mal formée) : 1." in result.output


def _structure_form(item, **changes) -> dict:
    data = {name: getattr(item, name) or "" for name in (
        "raison_sociale", "siret", "nda", "ape", "uai", "enseigne", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee", "potentiel",
        "demande_particuliere", "demande_contacts")}
    data.update(changes)
    return data


def test_r_c6_contact_cannot_set_the_flags_on_the_form(login, reset_demo):
    client = login("contact")
    cfa = structure("CFA Bâtiment Normandie")
    page = client.get(f"/structureview/edit/{cfa.id}").get_data(as_text=True)
    assert 'name="enseigne"' in page
    assert not any(f'name="{name}"' in page for name in FLAGS)  # not offered
    # a forged post is ignored: neither written nor kept in the change request (C9)
    response = client.post(f"/structureview/edit/{cfa.id}", data=_structure_form(
        cfa, enseigne="CFA BTP 14", qualiopi_bilan="y", qualiopi_vae="y"))
    assert response.status_code == 302
    cfa = fresh("CFA Bâtiment Normandie")
    assert flags(cfa) == (True, False, False, True)
    payload = json.loads(pending(db.session, cfa).payload)
    assert payload["enseigne"] == "CFA BTP 14" and not set(FLAGS) & payload.keys()
    # a contact's structure not yet validated: written directly, the flags still ignored
    client = login("gestionnaire")
    ecole = structure("École régionale du numérique")
    page = client.get(f"/structureview/edit/{ecole.id}").get_data(as_text=True)
    assert 'name="qualiopi_bilan"' in page  # managers may correct them


def test_r_c6_manager_corrects_the_flags_and_the_page_says_so(app, login, tmp_path, reset_demo):
    load(app, write_list(tmp_path, line(HORIZON, "true", "false", "false", "false")), "--date", "01/12/2026")
    horizon = fresh("Institut Horizon Formation")
    client = login("gestionnaire")
    data = _structure_form(horizon, qualiopi_action_formation="y", qualiopi_bilan="y")
    assert client.post(f"/structureview/edit/{horizon.id}", data=data).status_code == 302
    horizon = fresh("Institut Horizon Formation")
    assert flags(horizon) == (True, True, False, False) and horizon.qualiopi_source_le is None
    page = client.get(f"/structureview/show/{horizon.id}").get_data(as_text=True)
    assert "Source : saisie du Carif-Oref" in page


def test_r_c6_contact_cannot_set_the_flags_through_the_api(client, api_token, reset_demo):
    headers = api_token("contact")
    cfa = structure("CFA Bâtiment Normandie")
    response = client.put(f"/api/v1/structure/{cfa.id}", json={"qualiopi_bilan": True, "ville": "Ifs"},
                          headers=headers)
    assert response.status_code == 422
    assert response.json["message"] == {"qualiopi_bilan": [
        "Lecture seule : les certifications Qualiopi viennent de la liste publique des organismes de formation."]}
    cfa = fresh("CFA Bâtiment Normandie")
    assert cfa.qualiopi_bilan is False and cfa.ville == "Caen" and pending(db.session, cfa) is None
    # managers neither: they correct them on the form
    manager = client.put(f"/api/v1/structure/{cfa.id}", json={"qualiopi_vae": True},
                         headers=api_token("gestionnaire"))
    assert manager.status_code == 422 and fresh("CFA Bâtiment Normandie").qualiopi_vae is False
    # another organisation's structure stays unknown (404), flags or not
    horizon = structure("Institut Horizon Formation")
    assert client.put(f"/api/v1/structure/{horizon.id}", json={"qualiopi_vae": True},
                      headers=headers).status_code == 404
    # the date of the list is readable
    shown = client.get(f"/api/v1/structure/{cfa.id}", headers=headers).json["result"]
    assert shown["qualiopi_action_formation"] is True and "qualiopi_source_le" in shown


def test_r_c6_flags_shown_read_only_with_the_date_of_the_list(app, login, tmp_path, reset_demo):
    client = login("contact")
    cfa = structure("CFA Bâtiment Normandie")
    page = client.get(f"/structureview/show/{cfa.id}").get_data(as_text=True)
    assert "Source : saisie du Carif-Oref" in page  # no list loaded yet
    load(app, write_list(tmp_path, line(CFA, "true", "false", "false", "false")), "--date", "01/12/2026")
    page = client.get(f"/structureview/show/{cfa.id}").get_data(as_text=True)
    assert "Source : liste publique des organismes de formation du 01/12/2026" in page
    assert ("Certification(s) retirée(s) par la liste : actions de formation par apprentissage" in page)
    assert "Source des certifications Qualiopi" in page


def test_r_c6_error_after_the_list_removes_qualiopi(app, login, tmp_path, count_queries, reset_demo):
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]  # CPF: public funding
    assert "Aucune erreur" in panel(session_page(client, session), "controles")
    assert lost_qualiopi_count(user=_user("contact")) == 0
    result = load(app, write_list(tmp_path, line(CFA, "false", "false", "false", "true"),
                                  line(HORIZON, "true", "false", "false", "false")), "--date", "01/12/2026")
    assert "Certifications Qualiopi perdues" in result.output
    db.session.expire_all()
    session = formation_like("Sécurité incendie%").sessions[0]
    problems = [p for p in session_record_problems(session) if p.rule == "C6"]
    assert [p.message for p in problems] == [
        "Un financement public demande la certification Qualiopi « actions de formation » de l'organisme responsable."]
    assert "Qualiopi « actions de formation »" in panel(session_page(client, session), "controles")
    # the dashboard counter: the CFA lost a certification it still lacks
    cfa, horizon = structure("CFA Bâtiment Normandie"), structure("Institut Horizon Formation")
    assert lost_qualiopi_count(user=_user("contact")) == 1
    contact = _user("contact")
    assert contact.roles and cfa.id  # loaded before counting
    with count_queries() as executed:
        assert lost_qualiopi_count(user=contact, espace=cfa) == 1
    assert executed() == 1  # one query for the dashboard counter
    assert lost_qualiopi_count(user=_user("contact.autre"), espace=horizon) == 0
    assert lost_qualiopi_count(user=_user("gestionnaire")) >= 2  # the CFA and the GRETA (absent), at least
    # given back by the next list: no longer counted, no longer in error
    load(app, write_list(tmp_path, line(CFA, "true", "false", "false", "true")), "--date", "02/12/2026")
    db.session.expire_all()
    assert lost_qualiopi_count(user=_user("contact")) == 0
    session = formation_like("Sécurité incendie%").sessions[0]
    assert not [p for p in session_record_problems(session) if p.rule == "C6"]


def _user(username: str):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=username)


def test_r_c6_job_skipped_without_a_path(app, tmp_path, caplog, reset_demo):
    assert "load_qualiopi" in {task.name for task in PERIODIC}
    saved = app.config.get("QUALIOPI_LIST_PATH")
    try:
        app.config["QUALIOPI_LIST_PATH"] = None
        with caplog.at_level(logging.INFO, logger="app.jobs.tasks"):
            assert load_qualiopi() is None
        assert "QUALIOPI_LIST_PATH is not set, skipped" in caplog.text
        app.config["QUALIOPI_LIST_PATH"] = str(tmp_path / "absente.csv")
        assert load_qualiopi() is None
        # with the file there, the job loads it
        app.config["QUALIOPI_LIST_PATH"] = str(write_list(tmp_path, line(GRETA, "true", "true", "true", "false")))
        matched, gained, _lost = load_qualiopi()
        assert (matched, gained) == (1, 1)  # one match; the GRETA gained bilans de compétences
        db.session.expire_all()
        assert flags(structure("GRETA du Cotentin")) == (True, True, True, False)
    finally:
        app.config["QUALIOPI_LIST_PATH"] = saved
