"""Rich text (objectifs, contenu, résultats attendus, le + de la formation): what is kept.

`check_descriptions` (E5) refuses scripts, images and tables so the user is told; what is
stored then goes through `sanitize_rich_text`, which keeps simple formatting only (paragraphs,
lists, emphasis, links) and drops every attribute but a link's address.
"""

from __future__ import annotations

import nh3

from app.validators.common import text

ALLOWED_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "a", "h3", "h4", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_rich_text(value: object) -> str | None:
    """Safe HTML for a rich-text field; None for an empty value (so the column stays NULL).

    Plain text is kept as typed (ammonia escapes nothing but <, > and &).
    """
    raw = text(value)
    if not raw:
        return None
    cleaned = nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
    return cleaned.strip() or None
