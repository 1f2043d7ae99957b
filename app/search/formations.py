"""The formations search (SPEC I1–I4): `Criteria` (criteria.py) → one scoped select.

A page costs two statements whatever its size: the count and the page. The page statement sorts
and cuts the matching ids, then lists each value (certification, OF formateur, dispositif, lieu)
as a correlated sub-select of those rows only, so every column can also be sorted on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import case, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Certification,
    Financement,
    Formation,
    FormationCertification,
    Lieu,
    Mesure,
    Nomenclature,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
)
from app.security.scope import scoped

from .criteria import PAGE_SIZES, REFERENCE_PATTERN, SORT_KEYS, Criteria, parse
from .text import contains, ensure_sqlite_function, equals, folded

REMOTE_CODES = ("1", "2")  # LHEO modalité d'enseignement: mixte, entièrement à distance

# --- the query ------------------------------------------------------------------------------------

def _first(column, *where, order=()):
    """Correlated sub-select: the first value of `column` for the current session row."""
    return select(column).where(*where).order_by(*order).limit(1).scalar_subquery()


def _organisation_name(structure=Structure):
    return func.coalesce(structure.enseigne, structure.raison_sociale)


def _session_lieu(column):
    return _first(column, SessionLieu.session_id == Session.id, SessionLieu.lieu_id == Lieu.id,
                  order=(SessionLieu.principal.desc(), SessionLieu.id))


_code_postal = _session_lieu(Lieu.code_postal)

# Listed columns: key → SQL expression (also the sort key).
COLUMNS = {
    "reference": Formation.reference,
    "session": Session.reference,
    "certification": _first(func.coalesce(Certification.code_rncp, Certification.code_rs, Certification.certif_info),
                            FormationCertification.formation_id == Formation.id,
                            Certification.id == FormationCertification.certification_id,
                            order=(FormationCertification.principal.desc(), FormationCertification.id)),
    "intitule": Formation.intitule,
    "debut": Session.debut,
    "fin": Session.fin,
    "formateur": _first(_organisation_name(), SessionFormateur.session_id == Session.id,
                        Structure.id == SessionFormateur.structure_id,
                        order=(SessionFormateur.principal.desc(), SessionFormateur.id)),
    "dispositif": _first(Mesure.libelle, Financement.session_id == Session.id, Mesure.id == Financement.mesure_id,
                         order=(Financement.id,)),
    "etat": Session.etat,
    "departement": case((func.substr(_code_postal, 1, 2).in_(("97", "98")), func.substr(_code_postal, 1, 3)),
                        else_=func.substr(_code_postal, 1, 2)),
    "ville": _session_lieu(Lieu.ville),
}
# Text columns sort as French readers expect: "Électricien" between "Bureautique" and "Sécurité";
# the état by its label, as shown.
FOLDED_SORT = frozenset({"intitule", "formateur", "dispositif", "ville"})
_ETAT_ORDER = {code: rank for rank, (code, _) in enumerate(sorted(SessionEtat.LABELS.items(), key=lambda i: i[1]))}
SORTS = {"etat": case(_ETAT_ORDER, value=Session.etat, else_=len(_ETAT_ORDER))}
EXTRA = {
    "complement_intitule": Formation.complement_intitule,
    "certification_fin": _first(Certification.date_fin_enregistrement,
                                FormationCertification.formation_id == Formation.id,
                                Certification.id == FormationCertification.certification_id,
                                order=(FormationCertification.principal.desc(), FormationCertification.id)),
    "certification_intitule": _first(Certification.intitule,
                                     FormationCertification.formation_id == Formation.id,
                                     Certification.id == FormationCertification.certification_id,
                                     order=(FormationCertification.principal.desc(), FormationCertification.id)),
}


def _reference_clause(column, values: tuple[str, ...], suffix: str):
    exact, patterns = [], []
    for value in values:
        if "*" in value:
            patterns.append(value.replace("*", "%"))
        else:
            exact.append(value if value.endswith(suffix) or not value[-1].isdigit() else value + suffix)
    clauses = [column.in_(exact)] if exact else []
    clauses += [column.like(p) for p in patterns]
    return or_(*clauses)


def _postcode_clause(values: tuple[str, ...]):
    clauses = [Lieu.code_postal.like(v.replace("*", "%")) if "*" in v else Lieu.code_postal == v for v in values]
    return _in_lieu(or_(*clauses))


def _in_lieu(condition):
    return exists().where(SessionLieu.session_id == Session.id, Lieu.id == SessionLieu.lieu_id, condition)


def _organisation_match(structure, text: str):
    digits = text.replace(" ", "")
    if digits.isdigit():
        return structure.siret.like(f"{digits}%")
    return or_(contains(structure.raison_sociale, text), contains(structure.enseigne, text))


def conditions(c: Criteria) -> list:
    """WHERE clauses of the criteria (the scope is added by `scoped`)."""
    where = [Formation.draft_of_id.is_(None), Session.in_draft.is_(False)]
    # Archived sessions are shown only when asked for (seed: "vous ne voyez plus celles qui sont
    # définitivement archivées").
    where.append(Session.etat == c.etat if c.etat else Session.etat != SessionEtat.ARCHIVEE)
    if c.q:
        # A reference has digits (100001F): a word is looked for in the intitulé only.
        reference = c.q.replace(" ", "").upper()
        is_reference = REFERENCE_PATTERN.match(reference) and any(ch.isdigit() for ch in reference)
        where.append(or_(contains(Formation.intitule, c.q), contains(Formation.complement_intitule, c.q),
                         Formation.reference.like(f"%{reference}%") if is_reference else false(),
                         Session.reference.like(f"%{reference}%") if is_reference else false()))
    if c.references:
        if c.type_reference == "F":
            where.append(_reference_clause(Formation.reference, c.references, "F"))
        elif c.type_reference == "S":
            where.append(_reference_clause(Session.reference, c.references, "S"))
        else:
            where.append(or_(_reference_clause(Formation.reference, c.references, ""),
                             _reference_clause(Session.reference, c.references, "")))
    if c.intitule:
        # A word is looked for inside the intitulé or its complément; a label (several words) must
        # match one of them exactly (seed 001: "pas de troncature à ce niveau").
        match = contains if " " not in c.intitule else equals
        where.append(or_(match(Formation.intitule, c.intitule), match(Formation.complement_intitule, c.intitule)))
    if c.mesure:
        where.append(exists().where(Financement.session_id == Session.id, Financement.mesure_id == c.mesure))
    if c.marche:
        where.append(exists().where(Financement.session_id == Session.id, Financement.numero_marche == c.marche))
    if c.codes_postaux:
        where.append(_postcode_clause(c.codes_postaux))
    if c.departement:
        where.append(_in_lieu(Lieu.code_postal.like(f"{c.departement[:3]}%")))
    if c.of_responsable:
        responsable = aliased(Structure)
        where.append(exists().where(responsable.id == Formation.structure_id,
                                    _organisation_match(responsable, c.of_responsable)))
    if c.of_formateur:
        where.append(exists().where(SessionFormateur.session_id == Session.id,
                                    Structure.id == SessionFormateur.structure_id,
                                    _organisation_match(Structure, c.of_formateur)))
    if c.niveau_entree:
        where.append(Formation.niveau_entree_id == c.niveau_entree)
    if c.niveau_sortie:
        where.append(Formation.niveau_sortie_id == c.niveau_sortie)
    for column, bound, op in ((Session.debut, c.debut_du, "ge"), (Session.debut, c.debut_au, "le"),
                              (Session.fin, c.fin_du, "ge"), (Session.fin, c.fin_au, "le")):
        if bound is not None:
            where.append(column >= bound if op == "ge" else column <= bound)
    if c.certifiante is not None:
        where.append(Formation.certifiante.is_(c.certifiante))
    if c.apprentissage is not None:
        where.append(Formation.apprentissage.is_(c.apprentissage))
    if c.distance is not None:
        remote = exists().where(Nomenclature.id == Session.modalite_enseignement_id,
                                Nomenclature.code.in_(REMOTE_CODES))
        where.append(remote if c.distance else ~remote)
    return where


def base_select(statement, c: Criteria, within=None, user=None):
    """`statement` over the search's rows: sessions joined to their formation, the criteria's
    conditions, `within` (the espace structure, a selection…), in `user`'s read scope (the request's
    user by default; a job passes the user who asked)."""
    statement = statement.select_from(Session).join(Formation, Formation.id == Session.formation_id)
    if within is not None:
        statement = statement.where(within)
    return scoped(statement.where(*conditions(c)), Session, write=False, user=user)


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    criteria: Criteria

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.criteria.taille))


def _one_per_row(key: str):
    """For a derived column, (sub-select of one sort value per session or formation, ON clause):
    joined (a hash join) instead of evaluating the listed correlated sub-select for every matching
    row, which costs seconds at regional scale. Principal rows only, as displayed (F3, F4: one is
    principal); the dispositif sorts on the first mesure label of the session's financements."""
    fold_it = folded if key in FOLDED_SORT else (lambda e: e)
    if key == "formateur":
        sub = (select(SessionFormateur.session_id.label("sid"), func.min(fold_it(_organisation_name())).label("k"))
               .join(Structure, Structure.id == SessionFormateur.structure_id)
               .where(SessionFormateur.principal.is_(True)).group_by(SessionFormateur.session_id))
    elif key == "dispositif":
        sub = (select(Financement.session_id.label("sid"), func.min(fold_it(Mesure.libelle)).label("k"))
               .join(Mesure, Mesure.id == Financement.mesure_id).group_by(Financement.session_id))
    elif key in ("ville", "departement"):
        value = fold_it(Lieu.ville) if key == "ville" else Lieu.code_postal
        sub = (select(SessionLieu.session_id.label("sid"), func.min(value).label("k"))
               .join(Lieu, Lieu.id == SessionLieu.lieu_id)
               .where(SessionLieu.principal.is_(True)).group_by(SessionLieu.session_id))
    elif key == "certification":
        code = func.coalesce(Certification.code_rncp, Certification.code_rs, Certification.certif_info)
        sub = (select(FormationCertification.formation_id.label("sid"), func.min(code).label("k"))
               .join(Certification, Certification.id == FormationCertification.certification_id)
               .where(FormationCertification.principal.is_(True)).group_by(FormationCertification.formation_id))
        sub = sub.subquery()
        return sub, sub.c.sid == Formation.id, sub.c.k
    else:
        return None
    sub = sub.subquery()
    return sub, sub.c.sid == Session.id, sub.c.k


JOIN_SORT_FROM = 1000  # matching rows from which a derived sort key is joined, not sub-selected per row


def sort_key(key: str, total: int):
    """(sort expression, sub-select to join or None)."""
    joined = _one_per_row(key) if total >= JOIN_SORT_FROM else None
    if joined is not None:
        sub, on, value = joined
        if key == "departement":  # the same two or three first digits as displayed
            value = case((func.substr(value, 1, 2).in_(("97", "98")), func.substr(value, 1, 3)),
                         else_=func.substr(value, 1, 2))
        return value, (sub, on)
    return SORTS.get(key, folded(COLUMNS[key]) if key in FOLDED_SORT else COLUMNS[key]), None


def search(c: Criteria, within=None) -> Page:
    """The count and the requested page: two statements. The page statement sorts and cuts the
    matching ids first (inner select), then computes the listed columns for those rows only.
    `within`: an extra clause on the sessions (the user's espace structure, A4); the scope
    applies whatever it is."""
    ensure_sqlite_function(db.session)
    total = db.session.execute(base_select(select(func.count(Session.id)), c, within)).scalar() or 0
    page = min(c.page, max(1, -(-total // c.taille)))
    if page != c.page:
        c = replace(c, page=page)
    if not total:
        return Page(rows=[], total=0, criteria=c)
    key, join = sort_key(c.tri, total)
    direction = (lambda e: e.desc()) if c.ordre == "desc" else (lambda e: e.asc())
    ids = base_select(select(Session.id.label("sid"), key.label("k")), c, within)
    if join is not None:
        ids = ids.outerjoin(*join)
    ids = (ids.order_by(direction(key), Formation.reference, Session.debut, Session.id)
           .limit(c.taille).offset((page - 1) * c.taille).subquery())
    listed = [expression.label(name) for name, expression in {**COLUMNS, **EXTRA}.items()]
    statement = (select(Session.id.label("id"), Formation.id.label("formation_id"), *listed)
                 .select_from(Session).join(Formation, Formation.id == Session.formation_id)
                 .join(ids, ids.c.sid == Session.id)
                 .order_by(direction(ids.c.k), Formation.reference, Session.debut, Session.id))
    return Page(rows=db.session.execute(statement).mappings().all(), total=total, criteria=c)


def matching_ids(c: Criteria, within=None, user=None) -> list[int]:
    """Every session id the search finds (its whole result, every page): what "all the sessions
    of the search" means to a bulk action or an export. One statement; the scope applies."""
    ensure_sqlite_function(db.session)
    statement = base_select(select(Session.id), c, within, user=user).order_by(Session.id)
    return list(db.session.execute(statement).scalars())


assert set(COLUMNS) == set(SORT_KEYS), "criteria.SORT_KEYS names the listed columns"

__all__ = ["Criteria", "Page", "parse", "search", "matching_ids", "COLUMNS", "PAGE_SIZES"]
