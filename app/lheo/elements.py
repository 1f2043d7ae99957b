"""Small builders shared by the LHEO export: namespaced elements, bounded and cleaned text, dates,
hours, timestamps and code-list helpers. Mandatory text the portal lacks gets the producers'
placeholder, and the gap report (report.py) is told at which path."""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time

import lxml.html
from lxml import etree

from . import report

NS = "http://lheo.gouv.fr/2.3"
_PREFIX = f"{{{NS}}}"
PLACEHOLDER = "-"  # what real producers put in mandatory text they do not have (LHEO-NOTES §1)
UNKNOWN_NDA = "99999999999"  # 11 characters, as the ONISEP flow does for organisations without NDA

# Not allowed in XML 1.0: C0 controls but tab and newlines, lone surrogates, U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BLANKS = re.compile(r"[ \t\r\f\v\xa0]+")
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"}


def _clean(value) -> tuple[str, bool]:
    """(text as the XML may carry it, whether forbidden characters were removed): control
    characters and lone surrogates dropped, inner blanks collapsed, one line per line, stripped."""
    if value is None:
        return "", False
    if isinstance(value, int):  # counts, hours, years (bool never reaches here: see flag())
        return str(value), False
    text = value if isinstance(value, str) else str(value)
    # Most values are one printable line: controls, surrogates, U+FFFE/FFFF and no-break spaces
    # are not printable, so this test (in C) leaves the regular expressions to the rest.
    if text.isprintable() and "  " not in text:
        return text.strip(), False
    stripped = _XML_INVALID.sub("", text)
    lines = (_BLANKS.sub(" ", line).strip() for line in stripped.split("\n"))
    return "\n".join(line for line in lines if line), len(stripped) != len(text)


def clean(value) -> str:
    return _clean(value)[0]


def path_of(node, tag: str | None = None) -> str:
    """`formation/action/session/adresse-inscription`: where a value goes, for the gap report."""
    names = [] if tag is None else [tag]
    while node is not None:
        names.append(node.tag[len(_PREFIX):] if node.tag.startswith(_PREFIX) else node.tag)
        node = node.getparent()
    return "/".join(reversed(names))


def el(parent, tag: str, /, **attributes):
    """A child element in the LHEO namespace; attributes whose value is None or empty are left
    out (`horodatage_creation` is written `horodatage-creation`). The export builds a million
    elements: the common cases take no more than a test."""
    if not attributes:
        return etree.SubElement(parent, _PREFIX + tag)
    attrs = {}
    for name, value in attributes.items():
        if value is None or value == "":
            continue
        if value.__class__ is not str or not value.isprintable():
            value = clean(value)
        attrs[name.replace("_", "-") if "_" in name else name] = value
    return etree.SubElement(parent, _PREFIX + tag, attrs)


def root_element(tag: str, **attributes):
    return etree.Element(_PREFIX + tag, {k.replace("_", "-"): v for k, v in attributes.items() if v},
                         nsmap={None: NS})


def _text(parent, tag: str, value, /, max_len: int | None = None, required: bool = False,
          min_len: int = 1, **attributes):
    """`<tag>value</tag>` truncated to `max_len`. A value shorter than `min_len` (empty, most
    often) is left out, or replaced by "-" when the element is mandatory (and reported)."""
    cls = value.__class__
    if cls is str and value.isprintable() and "  " not in value:  # most values: see _clean
        text = value.strip()
    elif cls is int:
        text = str(value)
    else:
        text, removed = _clean(value)
        if removed and (recorder := report.current()) is not None:
            recorder.cleaned(path_of(parent, tag))
    if max_len is not None and len(text) > max_len:
        text = text[:max_len].rstrip()
    if len(text) < min_len:
        if not required:
            return None
        text = PLACEHOLDER
        defaulted_at(parent, tag, text)
    element = el(parent, tag, **attributes) if attributes else etree.SubElement(parent, _PREFIX + tag)
    element.text = text
    return element


def defaulted(parent, tag: str, value: str, **attributes):
    """A mandatory element written with a default value, told to the gap report."""
    defaulted_at(parent, tag, value)
    element = el(parent, tag, **attributes)
    element.text = value
    return element


def defaulted_at(parent, tag: str, value: str) -> None:
    recorder = report.current()
    if recorder is not None:
        recorder.default(path_of(parent, tag), value)


# Subtrees that repeat within a chunk of formations (an organisation, a place, a contact) are
# built once and copied (lxml copies in C); the gap report lines their first build made are
# replayed for each copy. The cache lives as long as the `reusing()` block (one chunk).
_reused: ContextVar[dict | None] = ContextVar("lheo_reused", default=None)


@contextmanager
def reusing():
    token = _reused.set({})
    try:
        yield
    finally:
        _reused.reset(token)


def reuse(parent, key, build) -> None:
    """`build(parent)` once per `key` (None: no reuse, e.g. unsaved objects), then copies."""
    cache = _reused.get()
    if cache is None or key is None or key[-1] is None:
        build(parent)
        return
    hit = cache.get(key)
    recorder = report.current()
    if hit is None:
        lines = recorder.capture() if recorder is not None else None
        before = len(parent)
        build(parent)
        built = [element.__deepcopy__(None) for element in list(parent)[before:]]  # detached
        cache[key] = (built, recorder.release(lines) if recorder is not None else [])
        return
    for element in hit[0]:
        parent.append(element.__deepcopy__(None))  # lxml's own copy, without copy.deepcopy's memo
    if recorder is not None:
        recorder.replay(hit[1])


def memo(key, compute):
    """`compute()` once per `key` while a chunk is written (see `reusing`); every time otherwise."""
    cache = _reused.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def html_to_text(value) -> str:
    """Plain text of simple rich text (E5): tags dropped, entities decoded, one line per block."""
    if value is None or not str(value).strip():
        return ""
    value = _XML_INVALID.sub("", str(value))  # lxml refuses them before anything else
    if "<" not in value and "&" not in value:
        return clean(value)
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean(re.sub(r"<[^>]*>", " ", value))
    for node in root.iter():
        tag = node.tag.lower() if isinstance(node.tag, str) else None  # None: comment, PI
        if tag is None or tag in ("script", "style"):
            node.text = ""
        elif tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
    return clean(root.text_content())


def lheo_date(value: date | None) -> str | None:
    """YYYYMMDD (LHEO-NOTES §3); None when unknown (the caller writes 00000000 or 99999999)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}" if value else None  # strftime is 10× slower


def lheo_hour(value: time | None) -> str | None:
    """"14h15", "9h" (heure-debut / heure-fin)."""
    if value is None:
        return None
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def horodatage(value: datetime | None) -> str | None:
    """xs:dateTime of a stored UTC timestamp: 2026-03-01T09:30:00Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def stamps(record) -> dict:
    """horodatage-creation / -modification attributes of a record with TimestampMixin columns."""
    return {"horodatage_creation": horodatage(getattr(record, "created_at", None)),
            "horodatage_modification": horodatage(getattr(record, "updated_at", None))}


def carif_dates(record) -> dict:
    """The legacy datecrea / datemaj (YYYYMMDD) that formation, action and session accept."""
    created, updated = getattr(record, "created_at", None), getattr(record, "updated_at", None)
    return {"datecrea": lheo_date(created), "datemaj": lheo_date(updated)}


def compact(value) -> str:
    """A code without any whitespace (SIRET, NDA, postal code pasted with spaces)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return "".join(text.split()) if text and not text.isalnum() else text


def numero(prefix: str | None, reference: str | None) -> str | None:
    """Partner number (E9, J3): the region prefix and the portal reference, `14_100123S`."""
    if not reference:
        return None
    return f"{prefix}_{reference}" if prefix else reference


_CODES: dict = {}  # (stored code, allowed codes) → LHEO code or None: bounded by the code lists


def code_in(item, allowed) -> str | None:
    """The code of a Nomenclature (or Financeur) entry when it belongs to the LHEO code list
    (`allowed`: a range or a frozenset of ints)."""
    stored = getattr(item, "code", None)
    key = (stored, allowed)
    if key not in _CODES:
        code = compact(stored)
        _CODES[key] = code if code.isdecimal() and str(int(code)) == code and int(code) in allowed else None
    return _CODES[key]


def flag(value) -> str:
    return "1" if value else "0"


def diffusable(contact) -> bool:
    return contact is not None and contact.diffusion is not False


def principal_first(links):
    return sorted(links, key=lambda link: not link.principal)


def unique(values) -> list:
    return [value for value in dict.fromkeys(values) if value]


def amount(value) -> str | None:
    """A price as LHEO's text prices: "1250.00" (dot, two decimals)."""
    if value is None:
        return None
    return f"{float(value):.2f}"
