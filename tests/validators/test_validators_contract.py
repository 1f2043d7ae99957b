"""The validators' contract: Problem, severities, has_errors, and purity (no Flask, no DB)."""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path

import pytest

import app.validators as validators
from app.validators import ERROR, WARNING, Problem, has_errors

VALIDATORS_DIR = Path(validators.__file__).parent


def test_r_contract_problem_is_frozen_with_error_default() -> None:
    problem = Problem("siret", "Le SIRET doit comporter 14 chiffres.")
    assert problem.severity == ERROR == "error"
    assert WARNING == "warning"
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.field = "nda"  # type: ignore[misc]


def test_r_contract_problem_names_its_rule_by_keyword() -> None:
    """`rule` is the SPEC id (F13, C1…); older calls (field, message, severity) still work."""
    assert Problem("siret", "…").rule == ""
    assert Problem("", "avertissement", WARNING) == Problem("", "avertissement", WARNING, rule="")
    problem = Problem("heure_debut", "…", rule="F13")
    assert (problem.severity, problem.rule) == (ERROR, "F13")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.rule = "F1"  # type: ignore[misc]


# Helpers of app/validators/common.py that build problems for the calling rule.
_PROBLEM_BUILDERS = {
    "Problem",
    "check_number",
    "check_required",
    "check_max_length",
    "check_one_principal",
}


@pytest.mark.parametrize("path", sorted(VALIDATORS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_r_contract_every_problem_made_here_names_its_rule(path: Path) -> None:
    """Every Problem built in app/validators (directly or through a helper) passes `rule=`, so
    callers select problems by rule and field, never by their French wording."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _PROBLEM_BUILDERS:
            keywords = {keyword.arg for keyword in node.keywords}
            assert "rule" in keywords, f"{path.name}:{node.lineno} {node.func.id}() has no rule"


def test_r_contract_nested_and_prefixed_problems_keep_their_rule() -> None:
    from app.validators.common import nested, prefixed

    problem = Problem("annee", "L'année du cycle est obligatoire.", WARNING, rule="F8")
    (item,) = nested([problem], "cycles", 1, "Cycle")
    assert item == Problem(
        "cycles-1-annee", "Cycle n° 2 : l'année du cycle est obligatoire.", WARNING, rule="F8"
    )
    (listed,) = prefixed([item], "Session 150755S")
    assert listed.message.startswith("Session 150755S : Cycle n° 2 : ")
    assert (listed.field, listed.severity, listed.rule) == (item.field, WARNING, "F8")


@pytest.mark.parametrize(
    ("problems", "expected"),
    [
        ([], False),
        ([Problem("", "avertissement", WARNING)], False),
        ([Problem("", "avertissement", WARNING), Problem("x", "erreur")], True),
        ((p for p in [Problem("x", "erreur")]), True),
    ],
)
def test_r_contract_has_errors_ignores_warnings(problems: object, expected: bool) -> None:
    assert has_errors(problems) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("path", sorted(VALIDATORS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_r_contract_validators_use_only_the_standard_library(path: Path) -> None:
    """Nothing but the standard library and app.validators itself: no Flask, no SQLAlchemy, no
    other app package (whose imports would bring them), so tests/validators runs without them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue  # relative imports stay inside app.validators
        for module in modules:
            root = module.split(".")[0]
            own = module == "app.validators" or module.startswith("app.validators.")
            assert root in sys.stdlib_module_names or root == "__future__" or own, (
                f"{path.name} imports {module}"
            )


def test_r_contract_public_names_are_exported() -> None:
    for name in validators.__all__:
        assert hasattr(validators, name), name
