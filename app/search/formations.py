"""The formations search (SPEC I1–I4): `Criteria` (criteria.py) → one scoped select.

A page costs two statements whatever its size: the count and the page. The page statement sorts
and cuts the matching ids, then lists each value (certification, OF formateur, dispositif, lieu)
as a correlated sub-select of those rows only, so every column can also be sorted on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import and_, case, distinct, exists, false, func, or_, select, text
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    Certification,
    Financement,
    Formation,
    FormationCertification,
    Lieu,
    Financeur,
    FormationEtat,
    Mesure,
    MesureKind,
    Nomenclature,
    Session,
    SessionEtat,
    SessionFormateur,
    SessionLieu,
    Structure,
)
from app.models.structures import structure_potentiel
from app.security.scope import scope_clause, scoped
from app.validators.financement import PUBLIC_FINANCEURS, PUBLIC_MESURES

from .criteria import PAGE_SIZES, REFERENCE_PATTERN, SORT_KEYS, Criteria, parse
from .text import contains, ensure_sqlite_function, equals, folded

REMOTE_CODES = ("1", "2")  # LHEO modalité d'enseignement: mixte, entièrement à distance
PARTNER_GRACE_DAYS = 30  # app/checks/partners.py ENDED_GRACE_DAYS (F15)
EXPIRY_RADAR_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover

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
            exact.append(value if value.endswith(suffix) or not value[-1].isdecimal() else value + suffix)
    clauses = [column.in_(exact)] if exact else []
    clauses += [column.like(p) for p in patterns]
    return or_(*clauses)


def _postcode_clause(values: tuple[str, ...]):
    clauses = [Lieu.code_postal.like(v.replace("*", "%")) if "*" in v else Lieu.code_postal == v for v in values]
    return _in_lieu(or_(*clauses))


def _in_lieu(condition):
    return exists().where(SessionLieu.session_id == Session.id, Lieu.id == SessionLieu.lieu_id, condition)


def _potentiel_match(structure, text: str):
    """The structure's potentiel de formation: its free text, or one of its Formacodes by code or label."""
    formacode = exists().where(structure_potentiel.c.structure_id == structure.id,
                               Nomenclature.id == structure_potentiel.c.nomenclature_id,
                               or_(Nomenclature.code == text.strip(), contains(Nomenclature.libelle, text)))
    return or_(contains(structure.potentiel, text), formacode)


def _organisation_match(structure, text: str):
    digits = text.replace(" ", "")
    if digits.isdecimal():
        return structure.siret.like(f"{digits}%")
    return or_(contains(structure.raison_sociale, text), contains(structure.enseigne, text))


def session_base(c: Criteria) -> list:
    """The sessions a search looks at: published ones (not a draft's copies); archived ones only
    when asked for (seed: "vous ne voyez plus celles qui sont définitivement archivées")."""
    return [Session.in_draft.is_(False), Session.etat == c.etat if c.etat else Session.etat != SessionEtat.ARCHIVEE]


def _financed(*condition):
    return exists().where(Financement.session_id == Session.id, Mesure.id == Financement.mesure_id, *condition)


def blocking_errors():
    """Sessions with a blocking error that SQL can tell (the record checks of app/checks run
    on a session's page): dates missing or reversed (F1), no OF formateur or not exactly one
    principal (F3), lieux without exactly one principal (F4), no financement (F6). Finished and
    archived sessions cannot change and are not judged (formation_tree_problems)."""
    principal_formateurs = (select(func.count()).where(SessionFormateur.session_id == Session.id,
                                                       SessionFormateur.principal.is_(True)).scalar_subquery())
    principal_lieux = (select(func.count()).where(SessionLieu.session_id == Session.id,
                                                  SessionLieu.principal.is_(True)).scalar_subquery())
    has_lieu = exists().where(SessionLieu.session_id == Session.id)
    return and_(Session.etat.notin_((SessionEtat.TERMINEE, SessionEtat.ARCHIVEE)), or_(
        Session.debut.is_(None), Session.fin.is_(None), Session.debut > Session.fin,
        principal_formateurs != 1,
        and_(has_lieu, principal_lieux != 1),
        ~exists().where(Financement.session_id == Session.id)))


def partner_ready(today: date):
    """The conditions every partner flow shares (app/checks/partners.py common_reasons): the
    session and its formation validated and diffusées, not ended more than 30 days ago."""
    return and_(Session.etat == SessionEtat.DIFFUSEE, Formation.etat == FormationEtat.DIFFUSEE,
                or_(Session.fin.is_(None), Session.fin >= today - timedelta(days=PARTNER_GRACE_DAYS)))


def certification_expiring(today: date):
    """Expiry radar: a certification of the formation whose registration ends before the session
    starts, or within six months from today (ended ones included)."""
    end = Certification.date_fin_enregistrement
    return exists().where(FormationCertification.formation_id == Formation.id,
                          Certification.id == FormationCertification.certification_id, end.isnot(None),
                          or_(end < Session.debut, end <= add_months(today, EXPIRY_RADAR_MONTHS)))


def formation_state(etat: str):
    """The formation is in `etat`, or its open demande de modification is (a published formation
    with a draft *brouillon* or *en attente* counts there too: the search lists published
    formations, the draft is reached from them)."""
    draft = aliased(Formation)
    # An uncorrelated IN (the drafts in that state, few): computed once, not per formation row.
    return or_(Formation.etat == etat,
               Formation.id.in_(select(draft.draft_of_id).where(draft.draft_of_id.isnot(None), draft.etat == etat)))


def conditions(c: Criteria, base: bool = True) -> list:
    """WHERE clauses of the criteria (the scope is added by `scoped`); `base`: with
    `session_base` (the formations mode puts it in its outer join instead)."""
    today = date.today()
    where = [Formation.draft_of_id.is_(None)]
    if base:
        where += session_base(c)
    if c.q:
        # A reference has digits (100001F): a word is looked for in the intitulé only.
        reference = c.q.replace(" ", "").upper()
        is_reference = REFERENCE_PATTERN.match(reference) and any(ch.isdecimal() for ch in reference)
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
    if c.potentiel:  # seed 003, C1: the potentiel de formation's words and Formacodes are search keywords
        responsable = aliased(Structure)
        where.append(or_(
            exists().where(responsable.id == Formation.structure_id, _potentiel_match(responsable, c.potentiel)),
            exists().where(SessionFormateur.session_id == Session.id, Structure.id == SessionFormateur.structure_id,
                           _potentiel_match(Structure, c.potentiel))))
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
    if c.en_suspens is not None:
        where.append(Formation.en_suspens.is_(c.en_suspens))
    if c.apprentissage is not None:
        where.append(Formation.apprentissage.is_(c.apprentissage))
    if c.distance is not None:
        remote = exists().where(Nomenclature.id == Session.modalite_enseignement_id,
                                Nomenclature.code.in_(REMOTE_CODES))
        where.append(remote if c.distance else ~remote)
    flags = (
        (c.contrat_pro, lambda: _financed(Mesure.nature == MesureKind.CONTRAT_PRO)),
        (c.fonds_publics, lambda: _financed(Financeur.id == Financement.financeur_id, or_(
            Financeur.code.in_(PUBLIC_FINANCEURS), func.upper(Mesure.code).in_(PUBLIC_MESURES)))),
        (c.certification_expire, lambda: certification_expiring(today)),
        (c.erreurs, blocking_errors),
        (c.partenaires, lambda: partner_ready(today)),
    )
    for value, clause in flags:
        if value is not None:
            where.append(clause() if value else ~clause())
    if c.etat_formation:
        where.append(formation_state(c.etat_formation))
    return where


def base_select(statement, c: Criteria, within=None, user=None, espace=None):
    """`statement` over the search's rows: sessions joined to their formation, the criteria's
    conditions, `within` (a selection, a write scope…), in `user`'s read scope (the request's
    user by default; a job passes the user who asked) narrowed to `espace` (A4) when given."""
    statement = statement.select_from(Session).join(Formation, Formation.id == Session.formation_id)
    if within is not None:
        statement = statement.where(within)
    return scoped(statement.where(*conditions(c)), Session, write=False, user=user, espace=espace)


def _session_join(c: Criteria, within=None, user=None, espace=None):
    """ON clause of the formations mode's outer join: the formation's sessions the sessions mode
    would look at (published, in the scope, the espace and `within`)."""
    on = [Session.formation_id == Formation.id, *session_base(c)]
    scope = scope_clause(Session, write=False, user=user, espace=espace)
    on += [clause for clause in (scope, within) if clause is not None]
    return and_(*on)


def formations_select(statement, c: Criteria, within=None, user=None, where=True, espace=None):
    """The formations mode (`par=formations`): every formation in the scope (and `espace`),
    outer-joined to its sessions as the sessions mode sees them; a formation without such a
    session is one row with no session. A session criterion keeps the formations with a
    matching session only. `where`: False leaves the criteria's conditions out (the caller puts
    them in FILTER-like aggregates)."""
    statement = (statement.select_from(Formation).outerjoin(Session, _session_join(c, within, user, espace))
                 .where(Formation.draft_of_id.is_(None)))
    if where:
        statement = statement.where(*formation_conditions(c))
    return scoped(statement, Formation, write=False, user=user, espace=espace)


def formation_conditions(c: Criteria) -> list:
    where = conditions(c, base=False)
    if c.etat:  # a session état asked for: formations having such a session
        where.append(Session.id.isnot(None))
    return where


@dataclass(frozen=True)
class Page:
    rows: list
    total: int  # rows found (sessions; in the formations mode, formation–session rows)
    criteria: Criteria
    formations: int | None = None  # the formations mode: formations found

    @property
    def found(self) -> int:
        """What the page reports: sessions, or formations in the formations mode."""
        return self.total if self.formations is None else self.formations

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


def search(c: Criteria, espace=None) -> Page:
    """The count and the requested page: two statements. The page statement sorts and cuts the
    matching ids first (inner select), then computes the listed columns for those rows only.
    `espace`: the user's espace structure (A4), narrowing the scope's rows."""
    ensure_sqlite_function(db.session)
    by_formation = c.par == "formations"
    formations = None
    if by_formation:
        total, formations = db.session.execute(formations_select(
            select(func.count(), func.count(distinct(Formation.id))), c, espace=espace)).one()
    else:
        total = db.session.execute(base_select(select(func.count(Session.id)), c, espace=espace)).scalar() or 0
    page = min(c.page, max(1, -(-total // c.taille)))
    if page != c.page:
        c = replace(c, page=page)
    if not total:
        return Page(rows=[], total=0, criteria=c, formations=formations)
    key, join = sort_key(c.tri, total)
    direction = (lambda e: e.desc()) if c.ordre == "desc" else (lambda e: e.asc())
    if by_formation:
        ids = formations_select(select(Formation.id.label("fid"), Session.id.label("sid"), key.label("k")), c,
                                espace=espace)
    else:
        ids = base_select(select(Formation.id.label("fid"), Session.id.label("sid"), key.label("k")), c,
                          espace=espace)
    if join is not None:
        ids = ids.outerjoin(*join)
    ids = (ids.order_by(direction(key), Formation.reference, Session.debut, Session.id)
           .limit(c.taille).offset((page - 1) * c.taille).subquery())
    listed = [expression.label(name) for name, expression in {**COLUMNS, **EXTRA}.items()]
    statement = (select(Session.id.label("id"), Formation.id.label("formation_id"), *listed)
                 .select_from(ids).join(Formation, Formation.id == ids.c.fid)
                 .outerjoin(Session, Session.id == ids.c.sid)
                 .order_by(direction(ids.c.k), Formation.reference, Session.debut, Session.id))
    return Page(rows=db.session.execute(statement).mappings().all(), total=total, criteria=c, formations=formations)


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for the rest of the transaction. The counts' conditional
    aggregates with correlated sub-selects look expensive to the planner, whose JIT then spends
    1.5 s compiling a statement that runs in 0.1 s (measured on the region dataset)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def counts(searches: dict, espace=None, user=None) -> dict:
    """{key: what `search(criteria).found` reports} for several searches at once (the dashboard's
    counters, H1): one statement per mode, each search a conditional count over the same rows
    and the same conditions as its own count."""
    ensure_sqlite_function(db.session)
    without_jit()
    result = {}
    groups: dict = {}
    for key, c in searches.items():
        # The formations mode's outer join depends on the session état asked for.
        groups.setdefault((c.par, c.etat if c.par == "formations" else ""), []).append(key)
    for (mode, _), keys in groups.items():
        if mode == "formations":
            c0 = searches[keys[0]]
            columns = [func.count(distinct(case((and_(*formation_conditions(searches[k])), Formation.id))))
                       for k in keys]
            statement = formations_select(select(*columns), c0, user=user, where=False, espace=espace)
        else:
            columns = [func.count(case((and_(*conditions(searches[k])), Session.id))) for k in keys]
            statement = (select(*columns).select_from(Session).join(Formation, Formation.id == Session.formation_id)
                         .where(Formation.draft_of_id.is_(None), Session.in_draft.is_(False)))
            statement = scoped(statement, Session, write=False, user=user, espace=espace)
        result.update(zip(keys, db.session.execute(statement).one()))
    return result


def matching_ids(c: Criteria, within=None, user=None) -> list[int]:
    """Every session id the search finds (its whole result, every page): what "all the sessions
    of the search" means to a bulk action or an export. One statement; the scope applies."""
    ensure_sqlite_function(db.session)
    c = replace(c, par="")  # the sessions of the search, whatever it lists
    statement = base_select(select(Session.id), c, within, user=user).order_by(Session.id)
    return list(db.session.execute(statement).scalars())


assert set(COLUMNS) == set(SORT_KEYS), "criteria.SORT_KEYS names the listed columns"

__all__ = ["Criteria", "Page", "parse", "search", "counts", "matching_ids", "COLUMNS", "PAGE_SIZES"]
