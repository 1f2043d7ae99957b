"""Referentials an operator loads himself (SPEC D1, D3; J4): Centre Inffo's Formacode (CSV or XML,
with its version), Certif Info numbers, and the France compétences export's Certif Info, session
dates and continuity chain."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Certification, Nomenclature, NomenclatureKind as K
from app.refdata.formacode import load_certif_info, load_formacode, read_formacode
from app.refdata.france_competences import continuity_chain, load_france_competences


def test_r_d3_formacode_csv_of_centre_inffo_with_its_version(app, tmp_path):
    path = tmp_path / "formacode_v14.csv"
    path.write_text("CODE_FORMACODE;LIBELLE;CHAMP\n34582;négociation commerciale;commerce\n"
                    "34076;relation client;commerce\nABC;pas un code;x\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["referentials", "load-formacode", str(path)])
    assert result.exit_code == 0 and "2 code(s) Formacode chargé(s) (version V14)." in result.output
    item = db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.FORMACODE,
                                                         Nomenclature.code == "34582")).scalar_one()
    assert (item.libelle, item.version) == ("négociation commerciale", "V14")
    again = app.test_cli_runner().invoke(args=["referentials", "load-formacode", str(path), "--version", "V15"])
    assert again.exit_code == 0
    db.session.expire_all()
    assert db.session.get(Nomenclature, item.id).version == "V15"  # updated, never duplicated
    assert db.session.execute(select(Nomenclature).where(Nomenclature.kind == K.FORMACODE,
                                                         Nomenclature.code == "34582")).scalars().all() == [item]


def test_r_d3_formacode_xml_export_is_read_safely(tmp_path):
    path = tmp_path / "formacode.xml"
    path.write_text('<?xml version="1.0"?><formacode version="V14"><descripteur><code>15052</code>'
                    '<libelle>français langue étrangère</libelle></descripteur>'
                    '<descripteur code="31054" libelle="informatique"/></formacode>', encoding="utf-8")
    entries, version = read_formacode(path)
    assert entries == [("15052", "français langue étrangère"), ("31054", "informatique")] and version == "V14"


def test_r_d1_certif_info_numbers_are_loaded_by_rncp_or_rs_code(app, tmp_path):
    certification = db.session.execute(select(Certification).where(Certification.code_rncp.is_not(None))
                                       .order_by(Certification.id)).scalars().first()
    kept = certification.certif_info
    path = tmp_path / "certifinfo.csv"
    path.write_text(f"Code_Certifinfo;Code_RNCP\n98765;{certification.code_rncp.removeprefix('RNCP')}\n12;RNCP0\n",
                    encoding="utf-8")
    try:
        result = app.test_cli_runner().invoke(args=["referentials", "load-certifinfo", str(path)])
        assert result.exit_code == 0 and "2 ligne(s) lue(s), 1 certification(s) mise(s) à jour." in result.output
        db.session.expire_all()
        assert db.session.get(Certification, certification.id).certif_info == "98765"
    finally:
        db.session.get(Certification, certification.id).certif_info = kept
        db.session.commit()


def test_r_d1_france_competences_fills_certif_info_sessions_and_the_continuity_chain(app, tmp_path):
    header = ('"Id_Fiche";"Numero_Fiche";"Intitule";"Abrege_Libelle";"Nomenclature_Europe_Niveau";'
              '"Date_Fin_Enregistrement";"Actif";"Code_Certifinfo";"Date_Premiere_Session";"Date_Derniere_Session"\r\n')
    rows = ('"1";"RNCP990001";"Ancienne fiche";"TP";"NIV3";"31/12/2020";"INACTIVE";"555001";"01/09/2015";"30/06/2021"\r\n'
            '"2";"RNCP990002";"Nouvelle fiche";"TP";"NIV3";"31/12/2030";"ACTIVE";"";"";""\r\n'
            '"3";"RNCP990003";"Fiche suivante";"TP";"NIV3";"31/12/2035";"ACTIVE";"";"";""\r\n')
    (tmp_path / "export_fiches_CSV_Standard_2026_01_01.csv").write_text(header + rows, encoding="utf-8")
    (tmp_path / "export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_01_01.csv").write_text(
        '"Numero_Fiche";"Ancienne_Certification";"Nouvelle_Certification"\r\n'
        '"RNCP990001";;"RNCP990002"\r\n"RNCP990003";"RNCP990002";\r\n', encoding="utf-8")
    try:
        assert load_france_competences(db.session, tmp_path) == 3
        db.session.commit()
        old = db.session.execute(select(Certification).where(Certification.code_rncp == "RNCP990001")).scalar_one()
        assert old.certif_info == "555001"
        assert (old.premiere_session, old.derniere_session) == (date(2015, 9, 1), date(2021, 6, 30))
        assert [c.code_rncp for c in continuity_chain(old)] == ["RNCP990001", "RNCP990002", "RNCP990003"]
    finally:
        for certification in db.session.execute(select(Certification).where(
                Certification.code_rncp.in_(["RNCP990001", "RNCP990002", "RNCP990003"]))).scalars():
            certification.remplacee_par = None
        db.session.flush()
        for certification in db.session.execute(select(Certification).where(
                Certification.code_rncp.in_(["RNCP990001", "RNCP990002", "RNCP990003"]))).scalars():
            db.session.delete(certification)
        db.session.commit()
