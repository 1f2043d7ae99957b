"""Formations: OF responsable E1, certifications E2/E3/E8, texts E4/E5/E10, apprentissage E6/E7."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from . import WARNING, Problem
from .common import (
    check_max_length,
    check_number,
    check_one_principal,
    html_tags,
    is_blank,
    nested,
    text,
    visible_length,
    visible_text,
)
from .identifiers import (
    check_formacode,
    check_url,
    is_valid_rncp,
    is_valid_rs,
    normalize_rncp,
    normalize_rs,
    normalize_siret,
)

INTITULE_MAX = 255  # LHEO intitule-formation
DESCRIPTION_MAX = 3000  # objectifs, contenu, résultats attendus (E5)
LE_PLUS_MAX = 250  # "le + de la formation" (E10)
DUREE_CYCLE_MIN, DUREE_CYCLE_MAX = 1, 5  # years (E6)
APPRENTISSAGE_SUFFIX = "(en apprentissage)"

# --- E1 OF responsable ---------------------------------------------------------------------


def check_of_responsable(is_siege: bool, has_nda: bool) -> list[Problem]:
    """E1: only the siège carrying the NDA may be the OF responsable of a formation."""
    if is_siege and has_nda:
        return []
    return [
        Problem(
            "of_responsable",
            "L'organisme responsable doit être le siège porteur du numéro de déclaration "
            "d'activité : changez d'espace structure.",
            rule="E1",
        )
    ]


# --- E2 certifications / E10 Formacodes ----------------------------------------------------


@dataclass(frozen=True)
class CertificationChoice:
    code: str  # RNCP or RS code of the chosen certification
    principal: bool = False


def check_certifications(
    certifiante: bool,
    certifications: Sequence[CertificationChoice],
    formacodes: Sequence[str] = (),
) -> list[Problem]:
    """E2 and E10: certifiante ⇒ ≥ 1 certification, exactly one principal certification;
    non certifiante ⇒ no certification and at least one Formacode (domaine de formation)."""
    problems: list[Problem] = []
    for index, code in enumerate(formacodes):
        problems += nested(
            check_formacode(code, "code", required=True, rule="E10"),
            "formacodes",
            index,
            "Formacode",
        )
    if not certifiante:
        if certifications:
            problems.append(
                Problem(
                    "certifications",
                    "Une formation non certifiante ne peut pas être liée à une certification.",
                    rule="E2",
                )
            )
        if not formacodes:
            problems.append(
                Problem(
                    "formacodes",
                    "Indiquez au moins un Formacode pour une formation non certifiante.",
                    rule="E10",
                )
            )
        return problems
    if not certifications:
        return [
            *problems,
            Problem("certifications", "Choisissez au moins une certification.", rule="E2"),
        ]
    for index, choice in enumerate(certifications):
        if not (is_valid_rncp(choice.code) or is_valid_rs(choice.code)):
            problems += nested(
                [
                    Problem(
                        "code",
                        f"« {text(choice.code)} » n'est ni un code RNCP ni un code RS.",
                        rule="E2",
                    )
                ],
                "certifications",
                index,
                "Certification",
            )
    codes = [_certification_key(choice.code) for choice in certifications]
    if len(set(codes)) != len(codes):
        problems.append(
            Problem(
                "certifications", "La même certification est choisie plusieurs fois.", rule="E2"
            )
        )
    problems += check_one_principal(
        [choice.principal for choice in certifications],
        "certifications",
        missing="Désignez la certification principale.",
        too_many="Une seule certification peut être principale.",
        rule="E2",
    )
    return problems


def check_certification_link(certifiante: bool, already_linked: bool) -> list[Problem]:
    """E2, when one certification is added to a formation (or changed): the formation is
    certifiante, and the certification is not linked to it yet."""
    problems: list[Problem] = []
    if not certifiante:
        problems.append(
            Problem(
                "certification",
                "Cochez « Certifiante » sur la formation avant d'y ajouter une certification.",
                rule="E2",
            )
        )
    if already_linked:
        problems.append(
            Problem("certification", "Cette certification est déjà liée à la formation.", rule="E2")
        )
    return problems


def _certification_key(code: object) -> str:
    raw = text(code).upper()
    return normalize_rs(raw) if raw.startswith("RS") else normalize_rncp(raw)


# --- E3 habilitation -----------------------------------------------------------------------

HABILITATION_WARNING = (
    "Ni le SIRET de l'OF responsable ni ceux des OF formateurs ne figurent dans la liste des "
    "OF habilités à former fournie par France compétences. Merci de faire le nécessaire auprès "
    "du certificateur. En attendant, vous pouvez poursuivre et soumettre à validation votre "
    "saisie ; la formation ne sera pas diffusée tant que cet avertissement persiste."
)


def check_habilitation(
    habilitated_sirets: Collection[str],
    of_responsable_siret: str | None,
    formateur_sirets: Sequence[str] = (),
    *,
    exempt: bool = False,
    certification_code: str = "",
) -> list[Problem]:
    """E3 (warning only): someone among the OF responsable and OF formateurs must be habilitated.

    `exempt` is true for certifications of the Éducation nationale / Enseignement supérieur,
    whose certificateur publishes no list of habilitated organisations.
    """
    if exempt:
        return []
    habilitated = {normalize_siret(s) for s in habilitated_sirets}
    candidates = {normalize_siret(s) for s in (of_responsable_siret, *formateur_sirets)} - {""}
    if candidates & habilitated:
        return []
    prefix = f"{text(certification_code)} : " if text(certification_code) else ""
    return [Problem("certifications", prefix + HABILITATION_WARNING, WARNING, rule="E3")]


# --- E4 intitulé ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits
_SUFFIX = re.compile(r"\(\s*en\s+apprentissage\s*\)\s*$", re.IGNORECASE)
_YEARS = re.compile(r"\b(an|ans|année|années)\b", re.IGNORECASE)
ACRONYM_MAX_LETTERS = 6  # BTS, CAP, CACES, BPJEPS; "ANGLAIS" is a shouted word, not a sigle
CAPITALS_MAX_SHARE = 0.6  # "TOSA Excel" (55 %) is fine, "ANGLAIS PRO - niveau B2" (65 %) not


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return (
        bool(letters) and all(c.isupper() for c in letters) and len(letters) <= ACRONYM_MAX_LETTERS
    )


def _capitals_share(value: str) -> float:
    cased = [c for c in value if c.isalpha() and (c.isupper() or c.islower())]
    return sum(c.isupper() for c in cased) / len(cased) if cased else 0.0


def check_intitule(intitule: str | None, apprentissage: bool = False) -> list[Problem]:
    """E4: required, ≤ 255, readable (no acronym-only title, not mostly capitals);
    apprentissage titles end with "(en apprentissage)" and should say the years.

    Acronym-only: every word containing a letter is an all-capitals token of at most
    6 letters (digits allowed), e.g. "BTS MCO", "CACES R489". Mostly capitals: more than 60 %
    of the cased letters are upper-case. The apprentissage suffix is ignored for both.
    """
    field = "intitule"
    value = text(intitule)
    if not value:
        return [Problem(field, "L'intitulé est obligatoire.", rule="E4")]
    problems = check_max_length(value, field, "L'intitulé", INTITULE_MAX, rule="E4")
    body = _SUFFIX.sub("", value).strip()
    words = [w for w in _WORD.findall(body) if any(c.isalpha() for c in w)]
    if not words:
        problems.append(Problem(field, "L'intitulé doit être rédigé en toutes lettres.", rule="E4"))
    elif all(_is_acronym(w) for w in words):
        problems.append(
            Problem(
                field,
                "L'intitulé ne doit pas se limiter à un sigle : écrivez-le en toutes lettres "
                "(ex. « BTS management commercial opérationnel »).",
                rule="E4",
            )
        )
    elif _capitals_share(body) > CAPITALS_MAX_SHARE:
        problems.append(
            Problem(
                field,
                "L'intitulé ne doit pas être écrit en majuscules : écrivez en minuscules "
                "accentuées, avec une majuscule en début de phrase.",
                rule="E4",
            )
        )
    problems += _check_apprentissage_title(value, apprentissage)
    return problems


def _check_apprentissage_title(value: str, apprentissage: bool) -> list[Problem]:
    has_suffix = bool(_SUFFIX.search(value))
    if not apprentissage:
        if has_suffix:
            return [
                Problem(
                    "intitule",
                    "Seule une formation en apprentissage peut se terminer par "
                    f"« {APPRENTISSAGE_SUFFIX} ».",
                    rule="E4",
                )
            ]
        return []
    if not has_suffix:
        return [
            Problem(
                "intitule",
                "L'intitulé d'une formation en apprentissage doit se terminer par "
                f"« {APPRENTISSAGE_SUFFIX} ».",
                rule="E4",
            )
        ]
    if not _YEARS.search(value):
        return [
            Problem(
                "intitule",
                "Précisez dans l'intitulé les années concernées "
                "(ex. « 1ère et 2ème année (en apprentissage) »).",
                WARNING,
                rule="E4",
            )
        ]
    return []


# --- E5 descriptions / E10 presentation ----------------------------------------------------

# Rich text is sanitised by the form layer; here we refuse what sanitising would silently drop.
FORBIDDEN_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "img", "table"})


def _check_rich_text(
    value: object, field: str, label: str, maximum: int, rule: str
) -> list[Problem]:
    problems: list[Problem] = []
    if html_tags(value) & FORBIDDEN_TAGS:
        problems.append(
            Problem(field, f"{label} ne doit contenir ni script, ni image, ni tableau.", rule=rule)
        )
    length = visible_length(value)
    if length > maximum:
        problems.append(
            Problem(
                field,
                f"{label} ne doit pas dépasser {maximum} caractères (actuellement {length}).",
                rule=rule,
            )
        )
    return problems


def check_descriptions(
    objectifs: str | None, contenu: str | None = None, resultats: str | None = None
) -> list[Problem]:
    """E5: objectifs required; objectifs, contenu and résultats attendus ≤ 3 000 characters,
    counted on the visible text (tags removed, whitespace runs counted once)."""
    problems: list[Problem] = []
    if not visible_text(objectifs):  # "<p></p>" is empty too
        problems.append(
            Problem("objectifs", "Les objectifs de la formation sont obligatoires.", rule="E5")
        )
    problems += _check_rich_text(
        objectifs, "objectifs", "Le texte des objectifs", DESCRIPTION_MAX, "E5"
    )
    problems += _check_rich_text(contenu, "contenu", "Le contenu", DESCRIPTION_MAX, "E5")
    problems += _check_rich_text(
        resultats, "resultats", "Le texte des résultats attendus", DESCRIPTION_MAX, "E5"
    )
    return problems


def check_presentation(
    le_plus: str | None = None,
    url_video: str | None = None,
    url_brochure: str | None = None,
    url_page: str | None = None,
) -> list[Problem]:
    """E10: "le + de la formation" ≤ 250 characters; presentation links are valid http(s) URLs."""
    problems = _check_rich_text(le_plus, "le_plus", "Le + de la formation", LE_PLUS_MAX, "E10")
    problems += check_url(url_video, "url_video", rule="E10")
    problems += check_url(url_brochure, "url_brochure", rule="E10")
    problems += check_url(url_page, "url_page", rule="E10")
    return problems


# --- E6/E7 apprentissage -------------------------------------------------------------------


def check_duree_cycle(duree_cycle: int | None, apprentissage: bool) -> list[Problem]:
    """E6: durée de cycle in years, an integer 1 to 5, required for apprentissage."""
    return check_number(
        duree_cycle,
        "duree_cycle",
        "La durée de cycle (en années)",
        minimum=DUREE_CYCLE_MIN,
        maximum=DUREE_CYCLE_MAX,
        required=apprentissage,
        feminine=True,
        rule="E6",
    )


def check_apprentissage_financements(
    apprentissage: bool, mesures_apprentissage: Sequence[bool]
) -> list[Problem]:
    """E7: an apprentissage formation has only apprentissage mesures, and apprentissage
    mesures only appear in an apprentissage formation (no mix of dispositifs).

    `mesures_apprentissage` holds, for every financement of every session of the formation,
    whether its mesure is an apprentissage one.
    """
    if apprentissage and not all(mesures_apprentissage):
        return [
            Problem(
                "financements",
                "Une formation en apprentissage ne peut avoir que des financements "
                "« contrat d'apprentissage » : créez une autre formation pour les autres "
                "dispositifs.",
                rule="E7",
            )
        ]
    if not apprentissage and any(mesures_apprentissage):
        return [
            Problem(
                "financements",
                "Le contrat d'apprentissage demande une formation dédiée, "
                "marquée « en apprentissage ».",
                rule="E7",
            )
        ]
    return []


# --- E8 certification of a validated formation ---------------------------------------------


def check_certification_change(
    old_codes: Collection[str], new_codes: Collection[str], published: bool
) -> list[Problem]:
    """E8: once validated, a formation keeps its RNCP codes; a new RNCP code is a new formation.

    Only RNCP codes are compared (RS habilitations may be added or removed), after
    normalisation ("35030" and "RNCP35030" are the same code).
    """
    if not published:
        return []

    def rncp_set(codes: Collection[str]) -> set[str]:
        return {normalize_rncp(c) for c in codes if not is_blank(c) and is_valid_rncp(c)}

    if rncp_set(old_codes) == rncp_set(new_codes):
        return []
    return [
        Problem(
            "certifications",
            "La certification (code RNCP) d'une formation validée ne peut pas être changée : "
            "créez une nouvelle formation pour le nouveau code RNCP.",
            rule="E8",
        )
    ]


# --- E1 per region: formations only the Carif-Oref creates ------------------------------------------

INITIAL_KINDS = {"apprentissage": "en apprentissage", "scolaire": "scolaires"}


def check_created_by_carif(kind: str, field: str, *, restricted: bool, by_manager: bool, becomes: bool,
                           already: bool) -> list[Problem]:
    """E1 as Centre-Val de Loire runs it (seed 002): where the region's setting `restricted` holds,
    formations en apprentissage and scolaires are created by the Carif-Oref; an organisation adds
    sessions to them but does not make a formation one (`becomes` while not `already`)."""
    if not restricted or by_manager or not becomes or already:
        return []
    return [Problem(field, f"Les formations {INITIAL_KINDS[kind]} sont créées par le Carif-Oref : ajoutez vos "
                    "sessions à la formation existante, ou demandez-lui de la créer par la messagerie.", rule="E1")]


SUSPENSION_MOTIF_MAX = 500


def check_suspension_motif(motif: object) -> list[Problem]:
    """G1: a formation is put on hold (habilitation, renouvellement RNCP…) with a reason, shown on
    its pages and in the partners' readiness panel: required, ≤ 500 characters."""
    value = "" if motif is None else str(motif).strip()
    if not value:
        return [Problem("motif", "Indiquez le motif de la mise en suspens (par exemple : habilitation en cours, "
                                 "renouvellement de la fiche RNCP).", rule="G1")]
    if len(value) > SUSPENSION_MOTIF_MAX:
        return [Problem("motif", f"Le motif ne doit pas dépasser {SUSPENSION_MOTIF_MAX} caractères "
                                 f"({len(value)} saisis).", rule="G1")]
    return []
