"""Formations: E1-E10."""

from __future__ import annotations

import pytest

from app.validators import (
    CertificationChoice,
    ERROR,
    Problem,
    WARNING,
    check_apprentissage_financements,
    check_certification_change,
    check_certification_link,
    check_certifications,
    check_descriptions,
    check_duree_cycle,
    check_habilitation,
    check_intitule,
    check_of_responsable,
    check_presentation,
    has_errors,
    visible_length,
    visible_text,
)


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


# --- E1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_siege", "has_nda", "ok"),
    [(True, True, True), (True, False, False), (False, False, False), (False, True, False)],
)
def test_r_e1_of_responsable_is_siege_with_nda(is_siege: bool, has_nda: bool, ok: bool) -> None:
    problems = check_of_responsable(is_siege, has_nda)
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"of_responsable"}


# --- E2 / E10 formacodes -------------------------------------------------------------------


def test_r_e2_certifiante_with_one_principal_certification() -> None:
    choices = [CertificationChoice("RNCP35030", principal=True), CertificationChoice("RS5000")]
    assert check_certifications(True, choices) == []


def test_r_e2_certifiante_needs_a_certification() -> None:
    assert check_certifications(True, []) == [
        Problem("certifications", "Choisissez au moins une certification.", rule="E2")
    ]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([False], "Désignez la certification principale."),
        ([False, False], "Désignez la certification principale."),
        ([True, True], "Une seule certification peut être principale."),
    ],
)
def test_r_e2_exactly_one_principal_certification(flags: list[bool], message: str) -> None:
    choices = [CertificationChoice(f"RNCP{i + 1}", principal=f) for i, f in enumerate(flags)]
    assert check_certifications(True, choices) == [Problem("certifications", message, rule="E2")]


def test_r_e2_certification_codes_checked_and_not_repeated() -> None:
    bad = check_certifications(True, [CertificationChoice("BTS", principal=True)])
    assert fields(bad) == {"certifications-0-code"}
    twice = [CertificationChoice("RNCP35030", True), CertificationChoice("35030")]
    assert [p.message for p in check_certifications(True, twice)] == [
        "La même certification est choisie plusieurs fois."
    ]


def test_r_e10_non_certifiante_needs_a_formacode() -> None:
    assert check_certifications(False, [], ["31004"]) == []
    assert check_certifications(False, [], []) == [
        Problem(
            "formacodes",
            "Indiquez au moins un Formacode pour une formation non certifiante.",
            rule="E10",
        )
    ]


def test_r_e2_non_certifiante_has_no_certification() -> None:
    problems = check_certifications(False, [CertificationChoice("RNCP1", True)], ["31004"])
    assert fields(problems) == {"certifications"}


def test_r_e10_formacode_format_checked() -> None:
    assert fields(check_certifications(False, [], ["3100"])) == {"formacodes-0-code"}


# --- E3 ------------------------------------------------------------------------------------

HABILITATED = {"77811608700157", "82815245400033"}


@pytest.mark.parametrize(
    ("responsable", "formateurs"),
    [
        ("77811608700157", []),  # OF responsable habilitated
        ("11004301500012", ["77811608700116", "82815245400033"]),  # one formateur habilitated
        ("\t77811608700157", []),  # TAB of the France compétences export
    ],
)
def test_r_e3_habilitated_siret_gives_no_warning(responsable: str, formateurs: list[str]) -> None:
    assert check_habilitation(HABILITATED, responsable, formateurs) == []


def test_r_e3_nobody_habilitated_is_a_warning_only() -> None:
    problems = check_habilitation(HABILITATED, "11004301500012", ["77811608700116"])
    assert len(problems) == 1
    assert problems[0].severity == WARNING
    assert not has_errors(problems)
    assert problems[0].message.startswith("Ni le SIRET de l'OF responsable")
    assert problems[0].rule == "E3"


def test_r_e3_education_nationale_exempt() -> None:
    assert check_habilitation(set(), "11004301500012", exempt=True) == []


def test_r_e3_warning_names_the_certification() -> None:
    problems = check_habilitation(set(), "11004301500012", certification_code="RNCP35030")
    assert problems[0].message.startswith("RNCP35030 : ")


# --- E4 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "intitule",
    [
        "BTS management commercial opérationnel",
        "TOSA Excel",  # 5 capitals out of 9 letters
        "CACES R489 - catégories 1A, 3 et 5",
        "Anglais professionnel - niveau B2",
        "Titre professionnel conseiller relation client à distance",
    ],
)
def test_r_e4_readable_titles_accepted(intitule: str) -> None:
    assert check_intitule(intitule) == []


@pytest.mark.parametrize("intitule", ["BTS MCO", "CAP", "CACES R489", "BPJEPS AF", "SST"])
def test_r_e4_acronym_only_title_refused(intitule: str) -> None:
    problems = check_intitule(intitule)
    assert len(problems) == 1
    assert "sigle" in problems[0].message
    assert problems[0].rule == "E4"


@pytest.mark.parametrize(
    "intitule",
    [
        "ANGLAIS PROFESSIONNEL",
        "FORMATION SAUVETEUR SECOURISTE DU TRAVAIL",
        "ANGLAIS PRO - niveau B2",
    ],
)
def test_r_e4_all_capitals_title_refused(intitule: str) -> None:
    problems = check_intitule(intitule)
    assert len(problems) == 1
    assert "majuscules" in problems[0].message
    assert problems[0].rule == "E4"


def test_r_e4_intitule_required_and_limited_to_255() -> None:
    assert check_intitule("  ") == [Problem("intitule", "L'intitulé est obligatoire.", rule="E4")]
    assert check_intitule("Formation " + "a" * 245) == []
    problems = check_intitule("Formation " + "a" * 246)
    assert [p.message for p in problems] == [
        "L'intitulé ne doit pas dépasser 255 caractères (actuellement 256)."
    ]


def test_r_e4_title_without_letters_refused() -> None:
    assert has_errors(check_intitule("2024 - 2025"))


def test_r_e4_apprentissage_title_from_the_seeds_accepted() -> None:
    title = (
        "Bac pro maintenance et efficacité énergétique - 1ère, 2ème et 3ème année "
        "(en apprentissage)"
    )
    assert check_intitule(title, apprentissage=True) == []
    assert check_intitule("Titre professionnel plaquiste - 1 an (en apprentissage)", True) == []


def test_r_e4_apprentissage_title_must_end_with_suffix() -> None:
    problems = check_intitule("BTS bâtiment - 1ère et 2ème année", apprentissage=True)
    assert [p.severity for p in problems] == [ERROR]
    assert "(en apprentissage)" in problems[0].message
    assert problems[0].rule == "E4"


def test_r_e4_apprentissage_title_without_years_is_a_warning() -> None:
    title = "Technicien d'installation et de maintenance de pompe à chaleur (en apprentissage)"
    problems = check_intitule(title, apprentissage=True)
    assert [p.severity for p in problems] == [WARNING]


def test_r_e4_suffix_reserved_to_apprentissage() -> None:
    problems = check_intitule("BTS bâtiment - 1ère année (en apprentissage)", apprentissage=False)
    assert has_errors(problems)


def test_r_e4_acronym_with_apprentissage_suffix_still_refused() -> None:
    problems = check_intitule("BTS MCO (en apprentissage)", apprentissage=True)
    assert any("sigle" in p.message for p in problems)


# --- E5 ------------------------------------------------------------------------------------


def test_r_e5_objectifs_required() -> None:
    for empty in (None, "", "   ", "<p></p>", "<p>&nbsp;</p>"):
        assert fields(check_descriptions(empty)) == {"objectifs"}, empty
    assert check_descriptions("<p>Maîtriser les bases.</p>") == []


@pytest.mark.parametrize("field", ["objectifs", "contenu", "resultats"])
def test_r_e5_3000_characters_counted_without_tags(field: str) -> None:
    at_limit = "<p><strong>" + "é" * 3000 + "</strong></p>"
    over = "<p>" + "é" * 3001 + "</p>"
    base = {"objectifs": "Objectifs", "contenu": None, "resultats": None}
    assert check_descriptions(**{**base, field: at_limit}) == []
    problems = check_descriptions(**{**base, field: over})
    assert fields(problems) == {field}
    assert "3000 caractères (actuellement 3001)" in problems[0].message
    assert problems[0].rule == "E5"


def test_r_e5_visible_text_decodes_entities_and_collapses_spaces() -> None:
    html = "<p>Cuisine &amp; p&acirc;tisserie</p>\n<ul><li>un</li><li>deux</li></ul>"
    assert visible_text(html) == "Cuisine & pâtisserie un deux"
    assert visible_length("<b>abc</b>") == 3


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>Texte",
        "<img src='x.png'>Texte",
        "<table><tr><td>a</td></tr></table>",
    ],
)
def test_r_e5_script_image_table_refused(html: str) -> None:
    assert fields(check_descriptions("Objectifs", contenu=html)) == {"contenu"}


# --- E6 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duree", "apprentissage", "ok"),
    [
        (1, True, True),
        (5, True, True),
        (0, True, False),
        (6, True, False),
        (None, True, False),
        (None, False, True),
        (3, False, True),
        (2.5, True, False),
        ("2", True, True),
    ],
)
def test_r_e6_duree_cycle_1_to_5_required_for_apprentissage(
    duree: object, apprentissage: bool, ok: bool
) -> None:
    problems = check_duree_cycle(duree, apprentissage)  # type: ignore[arg-type]
    assert (problems == []) is ok
    if not ok:
        assert fields(problems) == {"duree_cycle"}


def test_r_e6_duree_cycle_message_names_the_bounds() -> None:
    assert check_duree_cycle(6, True)[0].message == (
        "La durée de cycle (en années) doit être comprise entre 1 et 5."
    )


# --- E7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("apprentissage", "mesures", "ok"),
    [
        (True, [True, True], True),
        (True, [], True),
        (True, [True, False], False),
        (False, [False, False], True),
        (False, [False, True], False),
    ],
)
def test_r_e7_apprentissage_not_mixed(apprentissage: bool, mesures: list[bool], ok: bool) -> None:
    assert (check_apprentissage_financements(apprentissage, mesures) == []) is ok


# --- E8 ------------------------------------------------------------------------------------


def test_r_e8_validated_formation_keeps_its_rncp() -> None:
    assert check_certification_change(["RNCP35030"], ["RNCP35030"], published=True) == []
    assert check_certification_change(["RNCP35030"], ["35030"], published=True) == []
    problems = check_certification_change(["RNCP35030"], ["RNCP38000"], published=True)
    assert fields(problems) == {"certifications"}
    assert "nouvelle formation" in problems[0].message
    assert problems[0].rule == "E8"


def test_r_e8_draft_formation_may_change_certification() -> None:
    assert check_certification_change(["RNCP35030"], ["RNCP38000"], published=False) == []


def test_r_e8_rs_codes_may_change() -> None:
    assert check_certification_change(["RNCP35030"], ["RNCP35030", "RS5000"], published=True) == []


# --- E10 -----------------------------------------------------------------------------------


def test_r_e10_le_plus_limited_to_250() -> None:
    assert check_presentation(le_plus="a" * 250) == []
    assert check_presentation(le_plus="<p>" + "a" * 250 + "</p>") == []
    assert fields(check_presentation(le_plus="a" * 251)) == {"le_plus"}


def test_r_e10_presentation_urls_valid() -> None:
    ok = check_presentation(
        url_video="https://www.youtube.com/watch?v=x",
        url_brochure="https://cfa.fr/brochure.pdf",
        url_page="http://cfa.fr/offre",
    )
    assert ok == []
    bad = check_presentation(url_video="youtube", url_brochure="ftp://cfa.fr/b.pdf", url_page="cfa")
    assert fields(bad) == {"url_video", "url_brochure", "url_page"}


def test_r_e2_a_certification_is_added_to_a_certifiante_formation_once() -> None:
    assert check_certification_link(True, already_linked=False) == []
    problems = check_certification_link(False, already_linked=True)
    assert [p.message for p in problems] == [
        "Cochez « Certifiante » sur la formation avant d'y ajouter une certification.",
        "Cette certification est déjà liée à la formation.",
    ]
    assert {(p.field, p.rule) for p in problems} == {("certification", "E2")}


@pytest.mark.parametrize(
    ("problems", "rule"),
    [
        (check_of_responsable(is_siege=False, has_nda=False), "E1"),
        (check_certifications(True, []), "E2"),
        (check_certifications(False, [], []), "E10"),
        (check_habilitation([], "77811608700157"), "E3"),
        (check_intitule("BTS MCO"), "E4"),
        (check_descriptions(""), "E5"),
        (check_duree_cycle(None, True), "E6"),
        (check_apprentissage_financements(True, [False]), "E7"),
        (check_certification_change(["RNCP1"], ["RNCP2"], True), "E8"),
        (check_presentation(url_video="ftp://cfa.fr"), "E10"),
    ],
    ids=["E1", "E2", "E10-formacode", "E3", "E4", "E5", "E6", "E7", "E8", "E10-links"],
)
def test_r_formation_problems_name_their_rule(problems: list[Problem], rule: str) -> None:
    assert problems and {p.rule for p in problems} == {rule}
