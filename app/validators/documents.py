"""Uploaded documents (SPEC B1, C8): PDF, PNG or JPEG checked by content, size-limited."""
from __future__ import annotations

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_mime(content: bytes) -> str | None:
    """The MIME type read from the file's first bytes, whatever its name says."""
    for signature, mime in SIGNATURES.items():
        if content.startswith(signature):
            return mime
    return None


def document_problems(filename: str, content: bytes, max_bytes: int = MAX_BYTES) -> list[str]:
    if not filename or not content:
        return ["Veuillez choisir un fichier."]
    problems = []
    if len(content) > max_bytes:
        problems.append(f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo.")
    if sniff_mime(content) is None:
        problems.append("Le fichier doit être un PDF, un PNG ou un JPEG.")
    return problems
