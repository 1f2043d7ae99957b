"""*Offre de formation › Liens en erreur* (`/liens/erreurs`, SPEC H5): the structures and
formations of the user's scope and espace whose website link the last check found broken — the
link, why, when, and where to correct it. The dashboard's *Erreur liens site internet* counter
(app/links/report.py: broken_links_count) counts exactly these rows. Three queries per page."""
from __future__ import annotations

from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name

from app.links.report import broken_records
from app.links.sources import KINDS
from app.security.permissions import ACTION_READ, RESOURCE_LINK_CHECK

from .espace import current_espace

PER_PAGE = 50
KIND_LABELS = {"formation": "Formation", "structure": "Structure"}


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdecimal() and 0 < int(value) < 10**6 else 1


class LinkErrorsView(BaseView):
    route_base = "/liens"
    default_view = "erreurs"
    class_permission_name = RESOURCE_LINK_CHECK

    @expose("/erreurs")
    @has_access
    @permission_name(ACTION_READ)
    def erreurs(self):
        kind = request.args.get("objet") if request.args.get("objet") in KINDS else None
        page = _page()
        total, records = broken_records(kind=kind, page=page, per_page=PER_PAGE)
        pages = max(1, -(-total // PER_PAGE))
        return self.render_template("portal/link_errors.html", total=total, records=records, kind=kind,
                                    page=page, pages=pages, numbers=page_numbers(page, pages), kinds=KIND_LABELS,
                                    espace=current_espace())


def page_numbers(page: int, pages: int, around: int = 3) -> list[int | None]:
    """The pages the pagination offers: the first, the last and a few around the current one; None
    stands for the pages left out between them."""
    wanted = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
