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
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = [node.module.split(".")[0]]
        else:
            continue
        for root in roots:
            assert root in sys.stdlib_module_names or root in {"__future__", "app"}, (
                f"{path.name} imports {root}"
            )


def test_r_contract_public_names_are_exported() -> None:
    for name in validators.__all__:
        assert hasattr(validators, name), name
