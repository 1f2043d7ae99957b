"""Adapter from the password rule (app/validators/passwords.py) to FAB's complexity hook."""
from flask_appbuilder.exceptions import PasswordComplexityValidationError

from app.validators.passwords import password_problems


def check_password_complexity(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))
