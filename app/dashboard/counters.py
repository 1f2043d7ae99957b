"""The *tableau de bord* counters of an espace structure (SPEC H1).

Every counter opens a list showing exactly the rows it counts:

- an offer counter is a search (app/search): its `args` are the search's URL arguments, and
  its count is the search's own count for the same `Criteria` — all of them computed together
  by `app.search.formations.counts` (one statement per mode). The *formations* counters use the
  search's formations mode (`par=formations`): the search then reports formations, a formation
  without a session included (one being created often has none yet);
- a contacts counter is a FAB list with a filter argument, counted with the list's own scope.

A counter is one line of `COUNTERS`. Definitions that depend on the day:

- *sessions actives*: diffusées sessions not ended (`fin` today or later);
- *inactives dans moins d'un mois*: among them, those whose `fin` falls within the next 30 days
  (today included): they stop being active — and leave the partners' flows soon after;
- *apprentissage*, *contrat de pro*, *à distance*: among the active sessions;
- *erreurs bloquantes*: sessions not finished nor archived with a blocking error SQL can tell
  (app.search.formations.blocking_errors);
- *non diffusables aux partenaires*: sessions not ended that fail the conditions every partner
  flow shares (validated and diffusées, formation diffusée);
- *certification échue*: sessions not ended whose formation's certification ends before the
  session starts or within six months (expiry radar).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from flask import url_for
from sqlalchemy import func, select

from app.extensions import db
from app.links.report import count_statement
from app.refdata.qualiopi import lost_count_statement
from app.models import StructureContact, StructureRight
from app.models.workflow import FormationEtat
from app.search.criteria import parse
from app.search.formations import counts
from app.security.scope import scoped

SOON_DAYS = 30  # "inactives dans moins d'un mois"


def _active(today: date) -> dict:
    return {"etat": "diffusee", "fin_du": today.isoformat()}


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    group: str  # "contacts", "formations", "sessions", "qualite"
    # A search counter: the search's URL arguments, given today's date.
    args: Callable[[date], dict] | None = None
    # Another list: (count statement given the espace or None, URL given the espace or None).
    count: Callable | None = None
    url: Callable | None = None
    help: str = ""


def _contacts(model):
    def statement(espace):
        query = select(func.count()).select_from(model)
        if espace is not None:
            query = query.where(model.structure_id == espace.id)
        return scoped(query, model, write=False)
    return statement


def _list_url(endpoint):
    def url(espace):
        return url_for(endpoint, **({"_flt_0_structure": espace.id} if espace is not None else {}))
    return url


def _formations(etat: str, **more) -> Callable[[date], dict]:
    return lambda today: {"par": "formations", "etat_formation": etat, **more}


COUNTERS: tuple[Counter, ...] = (
    Counter("contacts", "Liste des contacts", "contacts",
            count=_contacts(StructureContact), url=_list_url("StructureContactView.list")),
    Counter("contacts_droits", "Liste des contacts avec des droits", "contacts",
            count=_contacts(StructureRight), url=_list_url("StructureRightView.list")),
    Counter("en_creation", "Formations en cours de création", "formations", _formations(FormationEtat.EN_CREATION)),
    Counter("brouillons", "Brouillons (formations modifiées non soumises au Carif-Oref pour validation)",
            "formations", _formations(FormationEtat.BROUILLON)),
    Counter("diffusees", "Formations diffusées", "formations", _formations(FormationEtat.DIFFUSEE, en_suspens="non")),
    Counter("fonds_publics", "Formations fonds publics diffusées", "formations",
            _formations(FormationEtat.DIFFUSEE, fonds_publics="oui", en_suspens="non")),
    Counter("en_attente", "Formations en attente de validation par le Carif-Oref", "formations",
            _formations(FormationEtat.EN_ATTENTE)),
    Counter("non_diffusees", "Formations non diffusées", "formations", _formations(FormationEtat.NON_DIFFUSEE)),
    Counter("en_suspens", "Formations mises en suspens par le Carif-Oref", "formations",
            lambda today: {"par": "formations", "en_suspens": "oui"},
            help="Habilitation, renouvellement RNCP… : tenues hors des flux jusqu'à la levée de la suspension."),
    Counter("erreur_liens", "Formations : erreur liens site internet", "formations",
            count=lambda espace: count_statement(espace=espace, kind="formation"),
            url=lambda espace: url_for("LinkErrorsView.erreurs", objet="formation"),
            help="Pages, brochures ou vidéos dont le lien ne répond pas (vérifiés chaque nuit)."),
    Counter("actives", "Sessions actives", "sessions", _active),
    Counter("inactives_bientot", "Sessions inactives dans moins d'un mois", "sessions",
            lambda today: {**_active(today), "fin_au": (today + timedelta(days=SOON_DAYS)).isoformat()},
            help="Sessions diffusées dont la fin tombe dans les 30 prochains jours."),
    Counter("apprentissage", "Sessions actives en apprentissage", "sessions",
            lambda today: {**_active(today), "apprentissage": "oui"}),
    Counter("contrat_pro", "Sessions actives en contrat de professionnalisation", "sessions",
            lambda today: {**_active(today), "contrat_pro": "oui"}),
    Counter("distance", "Sessions actives à distance", "sessions",
            lambda today: {**_active(today), "distance": "oui"}),
    Counter("erreurs", "Sessions avec des erreurs bloquantes", "qualite", lambda today: {"erreurs": "oui"},
            help="Dates, organismes formateurs, lieux ou financement à corriger."),
    Counter("non_partenaires", "Sessions en cours ou à venir non diffusées aux partenaires", "qualite",
            lambda today: {"partenaires": "non", "fin_du": today.isoformat()}),
    Counter("erreur_liens_structure", "Site internet de la structure en erreur", "qualite",
            count=lambda espace: count_statement(espace=espace, kind="structure"),
            url=lambda espace: url_for("LinkErrorsView.erreurs", objet="structure")),
    Counter("qualiopi_perdu", "Structures ayant perdu une certification Qualiopi", "qualite",
            count=lambda espace: lost_count_statement(espace=espace),
            url=lambda espace: url_for("StructureView.qualiopi_lost"),
            help="Certification retirée par la liste publique des organismes de formation (C6)."),
    Counter("certification_echue", "Certification échue avant le début ou dans les 6 mois", "qualite",
            lambda today: {"certification_expire": "oui", "fin_du": today.isoformat()},
            help="Sessions en cours ou à venir dont l'enregistrement de la certification se termine."),
)

GROUPS = (("contacts", "Contacts"), ("formations", "Formations"), ("sessions", "Sessions"),
          ("qualite", "Qualité des données"))


@dataclass
class Shown:
    counter: Counter
    value: int
    url: str
    help: str = ""


@dataclass
class Board:
    groups: list[tuple[str, str, list[Shown]]] = field(default_factory=list)

    def value(self, key: str) -> int:
        return next(s.value for _, _, shown in self.groups for s in shown if s.counter.key == key)


def search_url(args: dict) -> str:
    """The search page for these URL arguments, as the search itself writes them."""
    return url_for("FormationSearchView.formations", **parse({k: str(v) for k, v in args.items()}).url_args())


def board(espace=None, today: date | None = None, counters=COUNTERS) -> Board:
    """Every counter of the espace (None: the user's whole scope): one statement per search mode
    and one for the other lists, whatever the volume."""
    today = today or date.today()
    searches = {c.key: parse(c.args(today)) for c in counters if c.args is not None}
    values = counts(searches, espace=espace)
    others = [c for c in counters if c.args is None]
    if others:
        row = db.session.execute(select(*[c.count(espace).scalar_subquery() for c in others])).one()
        values.update({c.key: value or 0 for c, value in zip(others, row)})
    result = Board()
    for group, title in GROUPS:
        shown = [Shown(c, values[c.key], search_url(c.args(today)) if c.args is not None else c.url(espace), c.help)
                 for c in counters if c.group == group]
        if shown:
            result.groups.append((group, title, shown))
    return result
