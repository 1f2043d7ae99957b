"""The region this deployment serves (SPEC E9, F4, J3).

REGION_CODE (INSEE code of the region, 2016 codes) and REGION_PREFIX (the Carif-Oref's prefix of
every partner number: Normandie's is `04`, giving `04_150755S` — seed 001) have no default: a
Normandie prefix on another region's flows, or Normandie's boundaries on another region's lieux,
would be wrong without anyone noticing. `make run` sets Normandie's for the demo region; a start
without them logs what is missing, F4's region tests are then not applied (they cannot be judged),
and the partner flows refuse to run."""
from __future__ import annotations

import logging

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

SETTINGS = ("REGION_CODE", "REGION_PREFIX")


class RegionNotConfigured(RuntimeError):
    """A partner flow asked for while the region is not configured."""


def _setting(name: str) -> str | None:
    value = current_app.config.get(name) if has_app_context() else None
    return str(value).strip() or None if value is not None else None


def region_code() -> str | None:
    return _setting("REGION_CODE")


def region_prefix() -> str | None:
    return _setting("REGION_PREFIX")


def missing(config=None) -> list[str]:
    """The region settings not set in `config` (default: the current application's)."""
    config = current_app.config if config is None else config
    return [name for name in SETTINGS if not str(config.get(name) or "").strip()]


def require_for_flows() -> None:
    """The partner flows carry the prefix on every number: they do not run without the region."""
    absent = missing()
    if absent:
        raise RegionNotConfigured(
            f"La région du portail n'est pas configurée ({', '.join(absent)}) : les flux partenaires ne "
            "sont pas produits. Renseignez REGION_CODE (code INSEE de la région, 28 pour la Normandie) et "
            "REGION_PREFIX (préfixe du Carif-Oref, 04 pour la Normandie) dans l'environnement.")


def warn_if_missing(app) -> None:
    """At start: say what is missing and what it stops (logged once per process)."""
    absent = missing(app.config)
    if absent and not app.config.get("TESTING"):
        log.warning("Region not configured (%s): the F4 region checks are not applied and the partner "
                    "flows refuse to run. Set REGION_CODE and REGION_PREFIX (Normandie: 28 and 04).",
                    ", ".join(absent))
