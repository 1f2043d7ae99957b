"""Password policy (SPEC B4): at least 8 characters, one upper-case letter, one special
character."""
from __future__ import annotations

import re

MIN_LENGTH = 8
POLICY = "au moins 8 caractères, dont une majuscule et un caractère spécial"


def password_problems(password: str | None) -> list[str]:
    """French messages for every part of the policy the password misses (empty when fine)."""
    password = password or ""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.")
    if not re.search(r"[A-ZÀ-ÖØ-Þ]", password):
        problems.append("Le mot de passe doit contenir au moins une majuscule.")
    if not re.search(r"[^A-Za-z0-9À-ÖØ-öø-ÿ\s]", password):
        problems.append("Le mot de passe doit contenir au moins un caractère spécial.")
    return problems
