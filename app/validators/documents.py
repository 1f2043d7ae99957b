"""Uploaded documents (SPEC B1, C8): PDF, PNG or JPEG checked by content, size-limited.

The type is always decided by the bytes, never by the name the browser sent: the stored name is
rebuilt from a sanitised base name and the extension of the detected type, and a download is
served with the detected type (or as opaque bytes), as an attachment, never as a page.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_BYTES = 5 * 1024 * 1024
MAX_NAME_LENGTH = 100
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
OPAQUE = "application/octet-stream"
OPAQUE_EXTENSION = ".bin"
# Markup a browser would run if it ever rendered the file as a page (polyglot files)
ACTIVE_CONTENT = re.compile(rb"<(?:script|html|body|iframe|svg|object|embed)[\s>/]|<!doctype\s+html", re.IGNORECASE)
# Characters dropped from names: HTML-special, quoting and Windows-reserved ones
UNSAFE_CHARACTERS = set('<>&"\'`:*?|;%')


def sniff_mime(content: bytes) -> str | None:
    """The MIME type read from the file's first bytes, whatever its name says."""
    for signature, mime in SIGNATURES.items():
        if content.startswith(signature):
            return mime
    return None


def has_active_content(content: bytes) -> bool:
    """True when the file also carries HTML or a script, e.g. a PDF header followed by a page."""
    return ACTIVE_CONTENT.search(content) is not None


def served_mime(content: bytes) -> str:
    """The type a download is served with: the sniffed one, or opaque bytes for anything else
    (a stored file that no longer sniffs, a polyglot)."""
    mime = sniff_mime(content)
    if mime is None or has_active_content(content):
        return OPAQUE
    return mime


def document_problems(filename: str, content: bytes, max_bytes: int = MAX_BYTES) -> list[str]:
    if not filename or not content:
        return ["Veuillez choisir un fichier."]
    problems = []
    if len(content) > max_bytes:
        problems.append(f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo.")
    if sniff_mime(content) is None:
        problems.append("Le fichier doit être un PDF, un PNG ou un JPEG.")
    elif has_active_content(content):
        problems.append("Le fichier contient du code HTML ou un script : il est refusé. "
                        "Enregistrez-le de nouveau en PDF, PNG ou JPEG.")
    return problems


def safe_filename(name: str, mime: str | None, default: str = "document") -> str:
    """The name to store and to offer on download: the base name only (no folder), without
    control, HTML-special or reserved characters, bounded, with the extension of `mime`."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # browsers may send a full path; a name never holds one
    name = name.replace("'", "\u2019")  # French names are full of apostrophes: keep them, typographic
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in UNSAFE_CHARACTERS)
    name = " ".join(name.split()).strip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    allowed = EXTENSIONS.get(mime, ())
    extension = "." + extension.lower() if "." + extension.lower() in allowed else (
        allowed[0] if allowed else OPAQUE_EXTENSION)
    stem = stem.strip(". ")[:MAX_NAME_LENGTH - len(extension)].rstrip(". ") or default
    return stem + extension


def download_headers(name: str, content: bytes, default: str = "document") -> tuple[str, dict[str, str]]:
    """(content type, headers) for serving a stored document: the type is sniffed again from the
    bytes, the name rebuilt for it, and the browser told to save the file, not to render it."""
    mime = served_mime(content)
    filename = safe_filename(name, None if mime == OPAQUE else mime, default)
    return mime, {
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback in `filename`, the exact name in `filename*` when it differs
    (as werkzeug's send_file does)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in fallback).strip() or "document"
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += "; filename*=UTF-8''" + quote(filename, safe="!#$&+^`|")
    return value
