"""Identifier checks under random input (SPEC C1, C3, C11, D1-D3): property tests.

Hypothesis is a dev requirement, installed in the bare venv of scripts/check_pure_validators.sh too.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.validators import (
    ERROR,
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
    is_valid_siret,
)

SPEC_ID = re.compile(r"^[A-K][0-9]{1,2}$")

CHECKS = [
    check_siret,
    check_nda,
    check_ape,
    check_rncp,
    check_rs,
    check_bloc_code,
    check_uai,
    check_formacode,
    check_nsf,
    check_rome,
    check_code_postal,
    check_code_insee,
    check_phone,
    check_email,
    check_url,
]


@given(value=st.one_of(st.text(), st.integers(), st.none(), st.floats(), st.binary()))
def test_r_c1_identifier_checks_never_raise(value: object) -> None:
    for check in CHECKS:
        problems = check(value, "champ", required=True)
        assert isinstance(problems, list)
        assert all(p.field == "champ" and p.severity == ERROR and p.message for p in problems)
        assert all(SPEC_ID.match(p.rule) for p in problems)


@given(digits=st.text(alphabet="0123456789 \t", min_size=0, max_size=20))
def test_r_c1_siret_check_agrees_with_predicate(digits: str) -> None:
    if digits.strip():
        assert (check_siret(digits) == []) is is_valid_siret(digits)
