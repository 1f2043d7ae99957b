"""Identifier formats (SPEC C1, C3, C11, D1-D3; refdata/IDENTIFIERS.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.validators import (
    Problem,
    check_ape,
    check_bloc_code,
    check_code_insee,
    check_code_postal,
    check_email,
    check_formacode,
    check_nda,
    check_nsf,
    check_phone,
    check_rncp,
    check_rome,
    check_rs,
    check_siret,
    check_uai,
    check_url,
    has_errors,
    is_valid_ape,
    is_valid_bloc_code,
    is_valid_code_insee,
    is_valid_code_postal,
    is_valid_email,
    is_valid_formacode,
    is_valid_nda,
    is_valid_nsf,
    is_valid_phone,
    is_valid_rncp,
    is_valid_rome,
    is_valid_rs,
    is_valid_siret,
    is_valid_uai,
    is_valid_url,
    normalize_ape,
    normalize_email,
    normalize_phone,
    normalize_rncp,
    normalize_rs,
    normalize_siret,
    normalize_url,
)
from app.validators.identifiers import (
    normalize_bloc_code,
    normalize_code_insee,
    normalize_nda,
    normalize_nsf,
    normalize_rome,
    normalize_uai,
)

# SIRETs of the certificateurs and partenaires of the France compétences sample export.
FC_SAMPLE_SIRETS = [
    "11004301500012",
    "13002374000223",
    "13002793100323",
    "18974011100035",
    "31504294500032",
    "48276116000019",
    "53326535100015",
    "77566202600050",
    "77566202600381",
    "78466840200018",
    "79279132900016",
    "82815245400033",
    "82948645500019",
    "87920070700013",
]


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),
        ("35600000049837", True),  # La Poste: Luhn fails, digit sum multiple of 5
        ("35600000000048", True),  # La Poste establishment passing plain Luhn
        ("12345678912345", False),
        ("35600000049838", False),  # La Poste, neither Luhn nor sum % 5
        ("77811608700157", True),  # Bâtiment CFA Normandie (siège) in the seeds
        ("00000000000000", False),
        ("7328293200007", False),  # 13 digits
        ("732829320000745", False),  # 15 digits
        ("7328293200007A", False),
    ],
)
def test_r_c1_siret_luhn_vectors(siret: str, valid: bool) -> None:
    assert is_valid_siret(siret) is valid
    assert (check_siret(siret) == []) is valid


@pytest.mark.parametrize("siret", FC_SAMPLE_SIRETS)
def test_r_c1_siret_france_competences_sample_passes(siret: str) -> None:
    assert is_valid_siret(siret)


@pytest.mark.parametrize(
    "raw", ["\t73282932000074", " 732 829 320 00074 ", "732\u00a0829\u00a0320\u00a000074"]
)
def test_r_c1_siret_spaces_and_tab_are_normalised(raw: str) -> None:
    assert normalize_siret(raw) == "73282932000074"
    assert check_siret(raw) == []


def test_r_c1_siret_messages_name_the_problem() -> None:
    assert check_siret("123") == [
        Problem("siret", "Le SIRET doit comporter 14 chiffres.", rule="C1")
    ]
    assert "clé de contrôle" in check_siret("12345678912345")[0].message
    assert check_siret("12345678912345")[0].rule == "C1"
    assert check_siret("", required=True) == [
        Problem("siret", "Le SIRET est obligatoire.", rule="C1")
    ]
    assert check_siret("") == []
    assert check_siret(None, "siret_formateur", required=True)[0].field == "siret_formateur"


@pytest.mark.parametrize(
    ("nda", "valid"),
    [
        ("23760058376", True),  # seeds: old Haute-Normandie prefix 23
        ("28140000014", True),  # 2016 Normandie prefix
        ("24450000001", True),  # Centre-Val de Loire (24 in both lists)
        ("06976000001", True),  # Mayotte, 2016 list only
        ("21510000001", True),  # Champagne-Ardenne, pre-2016 only
        ("99760058376", False),  # no such region
        ("05123456789", False),  # 05 is not a region code
        ("2376005837", False),  # 10 digits
        ("237600583761", False),  # 12 digits
        ("2376005837A", False),
        ("ANTENNE-ORG", False),
    ],
)
def test_r_c1_nda_format_and_region_prefix(nda: str, valid: bool) -> None:
    assert is_valid_nda(nda) is valid
    assert (check_nda(nda) == []) is valid


def test_r_c1_nda_normalised_and_messages() -> None:
    assert normalize_nda(" 23 76 00583 76 ") == "23760058376"
    assert "11 chiffres" in check_nda("123")[0].message
    assert "« 99 »" in check_nda("99760058376")[0].message
    assert check_nda("99760058376")[0].rule == "C1"
    assert check_nda("", required=True)[0].message.endswith("est obligatoire.")


@pytest.mark.parametrize(
    ("ape", "normalised", "valid"),
    [
        ("8559A", "8559A", True),
        ("85.59A", "8559A", True),
        ("85.59a", "8559A", True),
        (" 85 59 A", "8559A", True),
        ("8559", "8559", False),
        ("855A", "855A", False),
        ("85-59A", "85-59A", False),
    ],
)
def test_r_c1_ape_code(ape: str, normalised: str, valid: bool) -> None:
    assert normalize_ape(ape) == normalised
    assert is_valid_ape(ape) is valid
    assert (check_ape(ape) == []) is valid


@pytest.mark.parametrize(
    ("code", "normalised", "valid"),
    [
        ("RNCP35030", "RNCP35030", True),
        ("rncp 35030", "RNCP35030", True),
        ("35030", "RNCP35030", True),  # digits only, allowed by LHEO
        ("RNCP509", "RNCP509", True),
        ("RNCP", "RNCP", False),
        ("RS5000", "RS5000", False),
        ("RNCP1234567", "RNCP1234567", False),  # 11 characters, over LHEO's 10
    ],
)
def test_r_d1_rncp_code(code: str, normalised: str, valid: bool) -> None:
    assert normalize_rncp(code) == normalised
    assert is_valid_rncp(code) is valid
    assert (check_rncp(code) == []) is valid


@pytest.mark.parametrize(
    ("code", "normalised", "valid"),
    [
        ("RS5000", "RS5000", True),
        ("rs6117", "RS6117", True),
        ("6117", "RS6117", True),
        ("RS", "RS", False),
        ("RNCP509", "RNCP509", False),
        ("RS123456789", "RS123456789", False),  # 11 characters
    ],
)
def test_r_d1_rs_code(code: str, normalised: str, valid: bool) -> None:
    assert normalize_rs(code) == normalised
    assert is_valid_rs(code) is valid
    assert (check_rs(code) == []) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("RNCP509BC05", True),
        ("RNCP35030BC01", True),
        ("rncp35030bc01", True),
        ("RNCP35030BC1", False),
        ("RNCP35030", False),
        ("RS5000BC01", False),
        ("BC01", False),
    ],
)
def test_r_d2_bloc_code(code: str, valid: bool) -> None:
    assert is_valid_bloc_code(code) is valid
    assert (check_bloc_code(code) == []) is valid
    assert normalize_bloc_code(" rncp509bc05 ") == "RNCP509BC05"


@pytest.mark.parametrize(
    ("check", "is_valid", "good", "bad"),
    [
        (check_uai, is_valid_uai, ["0761234A", "0141234z"], ["761234A", "07612345", "07612345AB"]),
        (check_formacode, is_valid_formacode, ["31004", " 31004 "], ["3100", "310045", "3100A"]),
        (check_nsf, is_valid_nsf, ["221w", "221", "22", "331T"], ["2", "2211", "221ww", "w221"]),
        (
            check_rome,
            is_valid_rome,
            ["F1604", "a1101", "N4101"],
            ["O1234", "F160", "F16044", "11604"],
        ),
    ],
)
def test_r_d3_referential_code_formats(
    check: Callable[..., list[Problem]],
    is_valid: Callable[[object], bool],
    good: list[str],
    bad: list[str],
) -> None:
    for code in good:
        assert is_valid(code), code
        assert check(code) == [], code
    for code in bad:
        assert not is_valid(code), code
        assert has_errors(check(code)), code


def test_r_d3_referential_codes_normalised() -> None:
    assert normalize_uai(" 0141234z") == "0141234Z"
    assert normalize_nsf("221W") == "221w"
    assert normalize_rome("f 1604") == "F1604"
    assert normalize_code_insee("2a004") == "2A004"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("76800", True),
        ("14610", True),
        ("20000", True),  # Ajaccio
        ("20200", True),  # Bastia
        ("97400", True),
        ("01000", True),
        ("00000", False),
        ("7680", False),
        ("768000", False),
        ("2A000", False),
        ("76 800", True),
    ],
)
def test_r_c11_code_postal(code: str, valid: bool) -> None:
    assert is_valid_code_postal(code) is valid
    assert (check_code_postal(code) == []) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("76540", True),
        ("2A004", True),
        ("2b033", True),
        ("97411", True),
        ("00000", False),
        ("2C004", False),
        ("7654", False),
        ("765400", False),
    ],
)
def test_r_c11_code_insee(code: str, valid: bool) -> None:
    assert is_valid_code_insee(code) is valid
    assert (check_code_insee(code) == []) is valid


@pytest.mark.parametrize(
    ("phone", "valid"),
    [
        ("0235123456", True),
        ("02 35 12 34 56", True),
        ("02.35.12.34.56", True),
        ("02-35-12-34-56", True),
        ("+33235123456", True),
        ("+33 2 35 12 34 56", True),
        ("+33 6 12 34 56 78", True),
        ("023512345", False),  # 9 digits
        ("02351234567", False),  # 11 digits
        ("0035123456", False),  # 00 is an international prefix
        ("+330235123456", False),  # +33 then 10 digits
        ("2351234567", False),
        ("02 35 12 34 56 ext", False),
        ("0 2 . 3 5 . 1 2 . 3 4 . 5 6", False),  # 26 characters, over LHEO numtel's 25
    ],
)
def test_r_c3_phone(phone: str, valid: bool) -> None:
    assert is_valid_phone(phone) is valid
    assert (check_phone(phone) == []) is valid


def test_r_c3_phone_normalised() -> None:
    assert normalize_phone("02.35 12-34 56") == "0235123456"
    assert normalize_phone("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("contact@cfa-normandie.fr", True),
        ("Prenom.Nom+offre@sub.example.org", True),
        ("nlsant1@fee.fr", True),
        ("contact@localhost", False),
        ("contact@@cfa.fr", False),
        ("contact cfa@cfa.fr", False),
        ("contact..cfa@cfa.fr", False),
        (".contact@cfa.fr", False),
        ("contact@cfa.f", False),
        ("contact@-cfa.fr", False),
        ("@cfa.fr", False),
        ("contact", False),
    ],
)
def test_r_c3_email(email: str, valid: bool) -> None:
    assert is_valid_email(email) is valid
    assert (check_email(email) == []) is valid


def test_r_c3_email_length_limit_160() -> None:
    at_limit = "a" * 60 + "@" + ("b" * 40 + ".") * 2 + "c" * (160 - 60 - 1 - 82 - 3) + ".fr"
    assert len(at_limit) == 160
    assert is_valid_email(at_limit)
    over = "x" + at_limit
    assert len(over) == 161
    assert not is_valid_email(over)


def test_r_c3_email_normalised_to_lower_case() -> None:
    assert normalize_email("  Contact@CFA.fr ") == "contact@cfa.fr"


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://www.cfa-normandie.fr", True),
        ("http://cfa-normandie.fr/formations?id=12#haut", True),
        ("https://www.intercariforef.org:443/rco", True),
        ("ftp://cfa-normandie.fr", False),
        ("javascript:alert(1)", False),
        ("www.cfa-normandie.fr", False),
        ("https://localhost", False),
        ("https://cfa normandie.fr", False),
        ("https://", False),
        ("https://cfa.fr:99999", False),
        ("http://[::1", False),
    ],
)
def test_r_e10_url(url: str, valid: bool) -> None:
    assert is_valid_url(url) is valid
    assert (check_url(url) == []) is valid


def test_r_e10_url_length_limit_400() -> None:
    base = "https://www.cfa.fr/"
    assert is_valid_url(base + "a" * (400 - len(base)))
    too_long = base + "a" * (401 - len(base))
    assert not is_valid_url(too_long)
    assert "400 caractères" in check_url(too_long)[0].message
    assert check_url(too_long)[0].rule == "C3"


def test_r_e10_url_normalised() -> None:
    assert normalize_url(" www.cfa.fr ") == "https://www.cfa.fr"
    assert normalize_url("https://cfa.fr") == "https://cfa.fr"


@pytest.mark.parametrize(
    ("check", "bad", "rule"),
    [
        (check_siret, "12345678912345", "C1"),
        (check_nda, "123", "C1"),
        (check_ape, "855", "C1"),
        (check_uai, "076A", "C1"),
        (check_email, "contact@", "C3"),
        (check_phone, "12", "C3"),
        (check_url, "ftp://cfa.fr", "C3"),
        (check_code_postal, "00000", "C11"),
        (check_code_insee, "7654", "C11"),
        (check_rncp, "RS12", "D1"),
        (check_rs, "RNCP12", "D1"),
        (check_bloc_code, "RNCP35030", "D2"),
        (check_formacode, "123", "D3"),
        (check_nsf, "2", "D3"),
        (check_rome, "Z1234", "D3"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_r_identifier_problems_carry_the_rule_of_their_format(
    check: Callable[..., list[Problem]], bad: str, rule: str
) -> None:
    """C1, C3, C11, D1-D3: a format problem names the SPEC rule of the format; a rule that
    lists the field itself passes its own id (F13 for the address of an ICO)."""
    assert [p.rule for p in check(bad)] == [rule]
    assert [p.rule for p in check("", required=True)] == [rule]
    assert [p.rule for p in check(bad, rule="F13")] == ["F13"]
