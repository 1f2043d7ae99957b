"""Small helpers shared by the rule modules: value coercion, ranges, lengths, principal flags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from html import unescape
from html.parser import HTMLParser

from . import Problem

_SPACES = re.compile(r"\s+")


def text(value: object) -> str:
    """Any value as stripped text; None becomes "" (rules never raise on odd input)."""
    if value is None:
        return ""
    return str(value).strip()


def compact(value: object) -> str:
    """Text without any whitespace: codes are often pasted with spaces or a leading TAB."""
    return _SPACES.sub("", text(value))


def is_blank(value: object) -> bool:
    return text(value) == ""


class NotANumber(ValueError):
    """Raised by `to_number` for a value that is present but not numeric."""


def to_number(value: object) -> Decimal | None:
    """Decimal from int/float/Decimal/str ("7,5" accepted); None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):  # a checkbox value is not a count
        raise NotANumber(value)
    if isinstance(value, Decimal | int):
        return Decimal(value)
    raw = text(value).replace(",", ".").replace(" ", "")
    if raw == "":
        return None
    try:
        number = Decimal(raw)
    except (InvalidOperation, ValueError) as exc:
        raise NotANumber(value) from exc
    if not number.is_finite():
        raise NotANumber(value)
    return number


def check_number(
    value: object,
    field: str,
    label: str,
    *,
    minimum: int | Decimal | None = None,
    maximum: int | Decimal | None = None,
    integer: bool = True,
    required: bool = False,
    feminine: bool = False,
    rule: str = "",
) -> list[Problem]:
    """Presence, type and [minimum, maximum] bounds of a number; `label` starts the message.

    `label` is a French subject such as "Le nombre de places" (`feminine` for "La durée…",
    so that adjectives agree); bounds are inclusive. `rule` is the calling rule's SPEC id.
    """
    e = "e" if feminine else ""
    try:
        number = to_number(value)
    except NotANumber:
        kind = "un nombre entier" if integer else "un nombre"
        return [Problem(field, f"{label} doit être {kind}.", rule=rule)]
    if number is None:
        return [Problem(field, f"{label} est obligatoire.", rule=rule)] if required else []
    if integer and number != number.to_integral_value():
        return [Problem(field, f"{label} doit être un nombre entier.", rule=rule)]
    low, high = minimum, maximum
    if low is not None and high is not None and not low <= number <= high:
        return [Problem(field, f"{label} doit être compris{e} entre {low} et {high}.", rule=rule)]
    if low is not None and number < low:
        return [Problem(field, f"{label} doit être supérieur{e} ou égal{e} à {low}.", rule=rule)]
    if high is not None and number > high:
        return [Problem(field, f"{label} doit être inférieur{e} ou égal{e} à {high}.", rule=rule)]
    return []


def check_required(value: object, field: str, message: str, *, rule: str = "") -> list[Problem]:
    return [Problem(field, message, rule=rule)] if is_blank(value) else []


def check_max_length(
    value: object, field: str, label: str, maximum: int, *, rule: str = ""
) -> list[Problem]:
    """`label` is a French subject such as "Le commentaire"."""
    length = len(text(value))
    if length > maximum:
        return [
            Problem(
                field,
                f"{label} ne doit pas dépasser {maximum} caractères (actuellement {length}).",
                rule=rule,
            )
        ]
    return []


def check_one_principal(
    flags: Sequence[bool], field: str, *, missing: str, too_many: str, rule: str = ""
) -> list[Problem]:
    """Exactly one principal when the list is not empty (C3, E2, F3, F4)."""
    count = sum(1 for flag in flags if flag)
    if not flags or count == 1:
        return []
    return [Problem(field, missing if count == 0 else too_many, rule=rule)]


def _lower_first(message: str) -> str:
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        return message[0].lower() + message[1:]
    return message


def nested(problems: Iterable[Problem], list_field: str, index: int, label: str) -> list[Problem]:
    """Problems of one list item, named like WTForms FieldList entries (`cycles-0-annee`).

    The message gets the item's position so it still reads well in a summary at the top; the
    severity and the rule id are kept.
    """
    result = []
    for p in problems:
        field = f"{list_field}-{index}-{p.field}" if p.field else f"{list_field}-{index}"
        message = f"{label} n° {index + 1} : {_lower_first(p.message)}"
        result.append(replace(p, field=field, message=message))
    return result


def prefixed(problems: Iterable[Problem], label: str) -> list[Problem]:
    """Problems of a child record listed on its parent's page ("Session 150755S : …"); fields,
    severities and rule ids are kept."""
    return [replace(p, message=f"{label} : {p.message}") for p in problems]


class _TextExtractor(HTMLParser):
    """Collects the text nodes and the tag names of a rich-text fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.tags: set[str] = set()
        self._skip = 0  # inside <script>/<style>, whose content is never shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag in {"p", "br", "li", "div"}:
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def _parse_html(html: object) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(text(html))
    parser.close()
    return parser


def visible_text(html: object) -> str:
    """The text a reader sees: tags removed, entities decoded, whitespace runs collapsed.

    Limits such as "3 000 caractères" (E5) are counted on this text, like the live counter.
    """
    joined = unescape("".join(_parse_html(html).chunks))
    return _SPACES.sub(" ", joined).strip()


def visible_length(html: object) -> int:
    return len(visible_text(html))


def html_tags(html: object) -> set[str]:
    """Names of the tags used in a rich-text fragment (lower-case)."""
    return _parse_html(html).tags
