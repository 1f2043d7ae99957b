"""Which links are checked, and which records have a broken one (SPEC H5, H1).

*Site internet* links are the addresses the portal publishes for a visitor to follow:
- a structure's coordonnées of nature *Site internet* (`Coordonnee`, nature `web`);
- a formation's *Page de l'offre sur votre site* (`url_page`), *Brochure PDF* (`url_brochure`) and
  *Vidéo* (`url_video`): all three leave in the LHEO `url-formation` block to the partners.
Sessions' `url_session` and recrutements' `url` belong to a session, not to these two records:
they are left out (adding one is a line in FORMATION_FIELDS' manner).

Archived records are neither checked nor listed; a formation's draft copy is checked (its URL is
the one about to be published) but listed through its published formation, as the dashboard's
other counters do.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, and_, cast, exists, func, literal, null, or_, select, union

from app.models import Coordonnee, CoordonneeKind, Formation, FormationEtat, LinkCheck, Structure, StructureEtat
from app.models.links import URL_MAX_LENGTH

FORMATION_FIELDS = {
    "url_page": "Page de l'offre sur votre site",
    "url_brochure": "Brochure PDF",
    "url_video": "Vidéo",
}
STRUCTURE_FIELD = "Site internet"
KINDS = {"formation": Formation, "structure": Structure}


def _filled(column) -> ColumnElement:
    return and_(column.isnot(None), column != "", func.length(column) <= URL_MAX_LENGTH)


def checked_urls():
    """Every distinct URL to check, as one select (a UNION: the database removes duplicates)."""
    formation_live = Formation.etat != FormationEtat.ARCHIVEE
    parts = [select(getattr(Formation, name).label("url")).where(formation_live, _filled(getattr(Formation, name)))
             for name in FORMATION_FIELDS]
    parts.append(select(Coordonnee.valeur.label("url")).join(Structure, Structure.id == Coordonnee.structure_id)
                 .where(Coordonnee.nature == CoordonneeKind.WEB, Structure.etat != StructureEtat.ARCHIVEE,
                        _filled(Coordonnee.valeur)))
    return union(*parts).subquery("checked_urls")


def _broken_url(column) -> ColumnElement:
    return exists().where(LinkCheck.url == column, LinkCheck.ok.is_(False))


def broken_links(model) -> ColumnElement:
    """WHERE clause: the rows of `model` (Formation or Structure) with at least one broken link
    (as of the last check). Combine it with the user's scope (app/security/scope.py)."""
    if model is Formation:
        return or_(*(_broken_url(getattr(Formation, name)) for name in FORMATION_FIELDS))
    if model is Structure:
        return exists().where(Coordonnee.structure_id == Structure.id, Coordonnee.nature == CoordonneeKind.WEB,
                              LinkCheck.url == Coordonnee.valeur, LinkCheck.ok.is_(False))
    raise ValueError(f"no website link on {model.__name__}")


def listed(model) -> ColumnElement:
    """The records the list shows: not archived, and no draft copy (its published formation is)."""
    if model is Formation:
        return and_(Formation.etat != FormationEtat.ARCHIVEE, Formation.draft_of_id.is_(None))
    return Structure.etat != StructureEtat.ARCHIVEE


def broken_link_details(kind: str, ids: list[int]):
    """The broken links of the records `ids` of `kind`: (record id, field label, url, status, reason,
    checked_at, coordonnée id or None), one select."""
    if kind == "formation":
        parts = [select(Formation.id.label("record_id"), literal(label).label("field"), LinkCheck.url, LinkCheck.status,
                        LinkCheck.reason, LinkCheck.checked_at, cast(null(), Integer).label("coordonnee_id"))
                 .join(LinkCheck, LinkCheck.url == getattr(Formation, name))
                 .where(Formation.id.in_(ids), LinkCheck.ok.is_(False))
                 for name, label in FORMATION_FIELDS.items()]
        return parts
    return [select(Coordonnee.structure_id.label("record_id"), literal(STRUCTURE_FIELD).label("field"), LinkCheck.url,
                   LinkCheck.status, LinkCheck.reason, LinkCheck.checked_at, Coordonnee.id.label("coordonnee_id"))
            .join(LinkCheck, LinkCheck.url == Coordonnee.valeur)
            .where(Coordonnee.structure_id.in_(ids), Coordonnee.nature == CoordonneeKind.WEB, LinkCheck.ok.is_(False))]
