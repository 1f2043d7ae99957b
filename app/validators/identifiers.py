"""Identifier and code formats (SPEC C1, C3, C11, D1-D3; /work/shared/refdata/IDENTIFIERS.md).

Each identifier has `normalize_*` (the form we store), `is_valid_*` and
`check_*(value, field=..., required=False, rule=...) -> list[Problem]`. A blank value is only a
problem when `required` is true. None of these functions raise, whatever the input.

`rule` defaults to the SPEC id that defines the format: C1 (SIRET, NDA, APE, UAI), C3 (e-mail,
phone, web address), C11 (postal and INSEE codes), D1 (RNCP, RS), D2 (blocs), D3 (Formacode,
NSF, ROME). A rule that lists the field among its own requirements passes its id instead (F13
for the address of an ICO, E10 for the presentation links of a formation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from . import Problem
from .common import compact, is_blank, text
from .geo import NDA_REGION_CODES

# --- helpers -------------------------------------------------------------------------------


def _check(
    value: object,
    field: str,
    required: bool,
    valid: Callable[[object], bool],
    label: str,
    invalid: str,
    rule: str,
) -> list[Problem]:
    """Shared shape of the simple checks: blank → required?, else format."""
    if is_blank(value):
        return [Problem(field, f"{label} est obligatoire.", rule=rule)] if required else []
    return [] if valid(value) else [Problem(field, invalid, rule=rule)]


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


# --- SIRET ---------------------------------------------------------------------------------

LA_POSTE_SIREN = "356000000"


def normalize_siret(value: object) -> str:
    """Digits only: the France compétences export prefixes SIRETs with a TAB."""
    return compact(value)


def is_valid_siret(value: object) -> bool:
    """14 digits, Luhn over the 14; La Poste's establishments (SIREN 356000000) fail Luhn
    and are valid when the digit sum is a multiple of 5 (INSEE rule)."""
    siret = normalize_siret(value)
    if len(siret) != 14 or not siret.isascii() or not siret.isdecimal() or not int(siret):
        return False
    if _luhn(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(map(int, siret)) % 5 == 0


def check_siret(
    value: object, field: str = "siret", *, required: bool = False, rule: str = "C1"
) -> list[Problem]:
    siret = normalize_siret(value)
    if siret and not (len(siret) == 14 and siret.isascii() and siret.isdecimal()):
        return [Problem(field, "Le SIRET doit comporter 14 chiffres.", rule=rule)]
    invalid = "Le SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie."
    return _check(value, field, required, is_valid_siret, "Le SIRET", invalid, rule)


# --- NDA (numéro de déclaration d'activité) -------------------------------------------------


def normalize_nda(value: object) -> str:
    return compact(value)


def is_valid_nda(value: object) -> bool:
    """11 digits whose first two are a region code, current or pre-2016 (old NDAs keep it)."""
    nda = normalize_nda(value)
    return len(nda) == 11 and nda.isascii() and nda.isdecimal() and nda[:2] in NDA_REGION_CODES


def check_nda(
    value: object, field: str = "nda", *, required: bool = False, rule: str = "C1"
) -> list[Problem]:
    nda = normalize_nda(value)
    if nda and not (len(nda) == 11 and nda.isascii() and nda.isdecimal()):
        return [
            Problem(
                field, "Le numéro de déclaration d'activité doit comporter 11 chiffres.", rule=rule
            )
        ]
    invalid = (
        f"Le numéro de déclaration d'activité doit commencer par un code région : "
        f"« {nda[:2]} » n'en est pas un."
    )
    return _check(
        value, field, required, is_valid_nda, "Le numéro de déclaration d'activité", invalid, rule
    )


# --- simple codes: (normalize, pattern) ----------------------------------------------------

_APE = re.compile(r"^\d{2}\.?\d{2}[A-Z]$")
_RNCP = re.compile(r"^RNCP\d{1,6}$")  # LHEO code-RNCP: at most 10 characters
_RS = re.compile(r"^RS\d{1,8}$")  # LHEO code-RS: 3-10 characters
_BLOC = re.compile(r"^RNCP\d{1,6}BC\d{2,3}$")
_UAI = re.compile(r"^\d{7}[A-Z]$")
_FORMACODE = re.compile(r"^\d{5}$")
_NSF = re.compile(r"^\d{2,3}[a-z]?$")
_ROME = re.compile(r"^[A-N]\d{4}$")
_CODE_POSTAL = re.compile(r"^\d{5}$")
_CODE_INSEE = re.compile(r"^(\d{2}|2A|2B)\d{3}$")


def normalize_ape(value: object) -> str:
    """APE/NAF code stored as four digits and a letter, e.g. "85.59a" → "8559A"."""
    code = compact(value).upper()
    return code.replace(".", "", 1) if _APE.match(code) else code


def is_valid_ape(value: object) -> bool:
    return bool(_APE.match(compact(value).upper()))


def check_ape(
    value: object, field: str = "ape", *, required: bool = False, rule: str = "C1"
) -> list[Problem]:
    invalid = "Le code APE doit comporter 4 chiffres suivis d'une lettre (ex. 8559A)."
    return _check(value, field, required, is_valid_ape, "Le code APE", invalid, rule)


def normalize_rncp(value: object) -> str:
    """ "RNCP35030"; digits-only input (allowed by LHEO) gets the prefix."""
    code = compact(value).upper()
    return f"RNCP{code}" if code.isascii() and code.isdecimal() else code


def is_valid_rncp(value: object) -> bool:
    return bool(_RNCP.match(normalize_rncp(value)))


def check_rncp(
    value: object, field: str = "code_rncp", *, required: bool = False, rule: str = "D1"
) -> list[Problem]:
    invalid = "Le code RNCP doit être de la forme RNCP suivi de chiffres (ex. RNCP35030)."
    return _check(value, field, required, is_valid_rncp, "Le code RNCP", invalid, rule)


def normalize_rs(value: object) -> str:
    code = compact(value).upper()
    return f"RS{code}" if code.isascii() and code.isdecimal() else code


def is_valid_rs(value: object) -> bool:
    return bool(_RS.match(normalize_rs(value)))


def check_rs(
    value: object, field: str = "code_rs", *, required: bool = False, rule: str = "D1"
) -> list[Problem]:
    invalid = "Le code RS doit être de la forme RS suivi de chiffres (ex. RS5421)."
    return _check(value, field, required, is_valid_rs, "Le code RS", invalid, rule)


def normalize_bloc_code(value: object) -> str:
    return compact(value).upper()


def is_valid_bloc_code(value: object) -> bool:
    code = normalize_bloc_code(value)
    return 8 <= len(code) <= 40 and bool(_BLOC.match(code))


def check_bloc_code(
    value: object, field: str = "code_bloc", *, required: bool = False, rule: str = "D2"
) -> list[Problem]:
    invalid = "Le code du bloc de compétences doit être de la forme RNCP35030BC01."
    return _check(value, field, required, is_valid_bloc_code, "Le code du bloc", invalid, rule)


def normalize_uai(value: object) -> str:
    return compact(value).upper()


def is_valid_uai(value: object) -> bool:
    return bool(_UAI.match(normalize_uai(value)))


def check_uai(
    value: object, field: str = "uai", *, required: bool = False, rule: str = "C1"
) -> list[Problem]:
    invalid = "Le code UAI doit comporter 7 chiffres suivis d'une lettre (ex. 0761234A)."
    return _check(value, field, required, is_valid_uai, "Le code UAI", invalid, rule)


def is_valid_formacode(value: object) -> bool:
    return bool(_FORMACODE.match(compact(value)))


def check_formacode(
    value: object, field: str = "formacode", *, required: bool = False, rule: str = "D3"
) -> list[Problem]:
    invalid = f"Le Formacode « {text(value)} » doit comporter 5 chiffres."
    return _check(value, field, required, is_valid_formacode, "Le Formacode", invalid, rule)


def normalize_nsf(value: object) -> str:
    return compact(value).lower()


def is_valid_nsf(value: object) -> bool:
    return bool(_NSF.match(normalize_nsf(value)))


def check_nsf(
    value: object, field: str = "nsf", *, required: bool = False, rule: str = "D3"
) -> list[Problem]:
    invalid = (
        f"Le code NSF « {text(value)} » doit comporter 2 ou 3 chiffres "
        "et une lettre facultative (ex. 221w)."
    )
    return _check(value, field, required, is_valid_nsf, "Le code NSF", invalid, rule)


def normalize_rome(value: object) -> str:
    return compact(value).upper()


def is_valid_rome(value: object) -> bool:
    return bool(_ROME.match(normalize_rome(value)))


def check_rome(
    value: object, field: str = "rome", *, required: bool = False, rule: str = "D3"
) -> list[Problem]:
    invalid = (
        f"Le code ROME « {text(value)} » doit être une lettre (A à N) "
        "suivie de 4 chiffres (ex. F1604)."
    )
    return _check(value, field, required, is_valid_rome, "Le code ROME", invalid, rule)


def is_valid_code_postal(value: object) -> bool:
    """5 digits and not 00000 (France Travail refuses it); Corsica's 20xxx are fine."""
    code = compact(value)
    return bool(_CODE_POSTAL.match(code)) and code != "00000"


def check_code_postal(
    value: object, field: str = "code_postal", *, required: bool = False, rule: str = "C11"
) -> list[Problem]:
    invalid = "Le code postal doit comporter 5 chiffres et être différent de 00000."
    return _check(value, field, required, is_valid_code_postal, "Le code postal", invalid, rule)


def normalize_code_insee(value: object) -> str:
    return compact(value).upper()


def is_valid_code_insee(value: object) -> bool:
    code = normalize_code_insee(value)
    return bool(_CODE_INSEE.match(code)) and code != "00000"


def check_code_insee(
    value: object, field: str = "code_insee", *, required: bool = False, rule: str = "C11"
) -> list[Problem]:
    invalid = "Le code INSEE de la commune doit comporter 5 caractères (ex. 76540, 2A004)."
    return _check(value, field, required, is_valid_code_insee, "Le code INSEE", invalid, rule)


# --- contact details -----------------------------------------------------------------------

PHONE_MAX_LENGTH = 25  # LHEO numtel
_PHONE_SEPARATORS = re.compile(r"[\s.\-]")
_PHONE = re.compile(r"^(0[1-9]\d{8}|\+33[1-9]\d{8})$")


def normalize_phone(value: object) -> str:
    """Digits with their leading 0 or +33, separators (spaces, dots, dashes) removed."""
    return _PHONE_SEPARATORS.sub("", text(value))


def is_valid_phone(value: object) -> bool:
    return len(text(value)) <= PHONE_MAX_LENGTH and bool(_PHONE.match(normalize_phone(value)))


def check_phone(
    value: object, field: str = "telephone", *, required: bool = False, rule: str = "C3"
) -> list[Problem]:
    invalid = (
        "Le numéro de téléphone doit comporter 10 chiffres commençant par 0, "
        "ou +33 suivi de 9 chiffres (25 caractères au plus)."
    )
    return _check(value, field, required, is_valid_phone, "Le numéro de téléphone", invalid, rule)


EMAIL_MAX_LENGTH = 160  # LHEO courriel
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def normalize_email(value: object) -> str:
    """Lower-case: one account per address (B2) must not depend on the case typed."""
    return text(value).lower()


def is_valid_email(value: object) -> bool:
    email = normalize_email(value)
    local = email.partition("@")[0]
    return len(email) <= EMAIL_MAX_LENGTH and len(local) <= 64 and bool(_EMAIL.match(email))


def check_email(
    value: object, field: str = "email", *, required: bool = False, rule: str = "C3"
) -> list[Problem]:
    invalid = (
        "L'adresse e-mail n'est pas valide (ex. contact@organisme.fr, 160 caractères au plus)."
    )
    return _check(value, field, required, is_valid_email, "L'adresse e-mail", invalid, rule)


URL_MAX_LENGTH = 400  # LHEO urlweb
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+$")


def normalize_url(value: object) -> str:
    """Adds https:// to a pasted "www.…" address; anything else is kept as typed."""
    url = text(value)
    return f"https://{url}" if url.lower().startswith("www.") else url


def is_valid_url(value: object) -> bool:
    """http(s) only, a host with a dot, no spaces, at most 400 characters."""
    url = text(value)
    if not 3 <= len(url) <= URL_MAX_LENGTH or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in {"http", "https"} and bool(_HOST.match(host))


def check_url(
    value: object, field: str = "url", *, required: bool = False, rule: str = "C3"
) -> list[Problem]:
    url = text(value)
    if len(url) > URL_MAX_LENGTH:
        message = f"L'adresse web ne doit pas dépasser {URL_MAX_LENGTH} caractères."
        return [Problem(field, message, rule=rule)]
    invalid = "L'adresse web doit commencer par http:// ou https:// (ex. https://www.organisme.fr)."
    return _check(value, field, required, is_valid_url, "L'adresse web", invalid, rule)
