"""Financements of a session (F6) and the contrat de professionnalisation session (F7)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import Problem
from .common import NotANumber, check_number, is_blank, nested, text, to_number
from .identifiers import is_valid_rncp

Amount = int | float | Decimal | str | None


@dataclass(frozen=True)
class Financement:
    financeur: str | None
    mesure: str | None
    # Mesures the financeur allows (the cascade of D3); None when the caller cannot tell.
    allowed_mesures: Collection[str] | None = None
    nb_places: int | None = None
    prix_total: Amount = None
    frais_inscription: Amount = None  # frais d'inscription et/ou matériel
    prix_ht: Amount = None
    tva: Amount = None  # taux de TVA, in % (seed 004: « Frais HT, Taux TVA, Frais TTC »)
    prix_ttc: Amount = None
    frais_certification: Amount = None
    frais_additionnels: Amount = None  # montant total des frais additionnels non pris en charge


_AMOUNTS = (
    ("prix_total", "Le prix total"),
    ("frais_inscription", "Le montant des frais d'inscription"),
    ("prix_ht", "Le prix HT"),
    ("prix_ttc", "Le prix TTC"),
    ("frais_certification", "Le montant des frais de certification"),
    ("frais_additionnels", "Le montant des frais additionnels non pris en charge"),
)
CENT = Decimal("0.01")


def _decimal(value: Amount) -> Decimal | None:
    try:
        return to_number(value)
    except NotANumber:
        return None  # reported by the amount's own check


def prix_ttc(prix_ht: Amount, taux_tva: Amount) -> Decimal | None:
    """TTC = HT × (1 + taux / 100), rounded to the cent (half up); None unless both are numbers."""
    ht, taux = _decimal(prix_ht), _decimal(taux_tva)
    if ht is None or taux is None:
        return None
    return (ht * (1 + taux / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def _euros(value: Decimal) -> str:
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", "\u202f") + f",{cents} €"


def check_prix(financement: Financement) -> list[Problem]:
    """F6 fees: the rate of VAT between 0 and 100 %, and HT, taux and TTC consistent."""
    problems = check_number(financement.tva, "tva", "Le taux de TVA", minimum=0, maximum=100, integer=False,
                            rule="F6")
    if problems:
        return problems
    ht, taux, ttc = (_decimal(getattr(financement, name)) for name in ("prix_ht", "tva", "prix_ttc"))
    if ht is not None and ttc is not None and taux is None:
        problems.append(Problem("tva", "Indiquez le taux de TVA (0 si la formation en est exonérée).", rule="F6"))
    elif ht is not None and ttc is not None and taux is not None:
        expected = prix_ttc(ht, taux)
        if expected is not None and ttc.quantize(CENT, rounding=ROUND_HALF_UP) != expected:
            problems.append(Problem(
                "prix_ttc", f"Le prix TTC doit être égal au prix HT augmenté de la TVA : {_euros(expected)}.",
                rule="F6"))
    elif taux is not None and ht is None and ttc is not None:
        problems.append(Problem("prix_ht", "Indiquez le prix HT auquel s'applique le taux de TVA.", rule="F6"))
    return problems


def check_financement(financement: Financement) -> list[Problem]:
    """F6 for one financement: financeur and mesure required, mesure allowed for the
    financeur, places ≥ 1 when given, amounts ≥ 0."""
    problems: list[Problem] = []
    if is_blank(financement.financeur):
        problems.append(Problem("financeur", "Le financeur est obligatoire.", rule="F6"))
    if is_blank(financement.mesure):
        problems.append(Problem("mesure", "La mesure (dispositif) est obligatoire.", rule="F6"))
    elif financement.allowed_mesures is not None and not is_blank(financement.financeur):
        allowed = {text(m) for m in financement.allowed_mesures}
        if text(financement.mesure) not in allowed:
            problems.append(
                Problem(
                    "mesure", "Cette mesure n'est pas proposée par le financeur choisi.", rule="F6"
                )
            )
    problems += check_number(
        financement.nb_places, "nb_places", "Le nombre de places", minimum=1, rule="F6"
    )
    for name, label in _AMOUNTS:
        problems += check_number(
            getattr(financement, name), name, label, minimum=0, integer=False, rule="F6"
        )
    problems += check_prix(financement)
    return problems


def check_financements(financements: Sequence[Financement]) -> list[Problem]:
    """F6 for the session: at least one financement, each one valid."""
    if not financements:
        return [Problem("financements", "Indiquez au moins un financement.", rule="F6")]
    problems: list[Problem] = []
    for index, financement in enumerate(financements):
        problems += nested(check_financement(financement), "financements", index, "Financement")
    return problems


def check_contrat_pro(
    mesures_contrat_pro: Sequence[bool],
    *,
    rythme_alternance: bool,
    certifiante: bool,
    code_rncp: str | None,
) -> list[Problem]:
    """F7: a session with a contrat de professionnalisation financement has no other
    dispositif, lists the rythme "en alternance", and its formation is certifiante with a
    valid RNCP code (an RS code is not enough).

    `mesures_contrat_pro` holds, per financement of the session, whether its mesure is the
    contrat de professionnalisation. Nothing to check when none is.
    """
    if not any(mesures_contrat_pro):
        return []
    problems: list[Problem] = []
    if not all(mesures_contrat_pro):
        problems.append(
            Problem(
                "financements",
                "Le contrat de professionnalisation demande une session dédiée : créez une "
                "autre session pour les autres dispositifs.",
                rule="F7",
            )
        )
    if not rythme_alternance:
        problems.append(
            Problem(
                "rythmes",
                "Sélectionnez le rythme « En alternance » pour un contrat de professionnalisation.",
                rule="F7",
            )
        )
    if not certifiante or not is_valid_rncp(code_rncp):
        problems.append(
            Problem(
                "certifications",
                "Un contrat de professionnalisation doit préparer une certification avec un "
                "code RNCP valide.",
                rule="F7",
            )
        )
    return problems


# --- C6 Qualiopi -------------------------------------------------------------------------------

# LHEO dict-financeurs codes of public or mutualised funds (État, Régions and other local
# authorities, France Travail, Agefiph, FSE, OPCO, Transition Pro…): Qualiopi is required by law
# (Code du travail, art. L6316-1). Not public: 5 Entreprise, 10 Bénéficiaire, 0 Autre.
PUBLIC_FINANCEURS = frozenset(
    {"2", "3", "4", "6", "7", "8", "9", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
)
# The CPF is public money (Caisse des dépôts) whatever its financeur.
PUBLIC_MESURES = frozenset({"CPF"})


def is_public_funding(financeur: str | None, mesure: str | None = None) -> bool:
    return text(financeur) in PUBLIC_FINANCEURS or text(mesure).upper() in PUBLIC_MESURES


def check_qualiopi(
    *,
    public_funding: bool,
    apprentissage: bool,
    qualiopi_action_formation: bool,
    qualiopi_apprentissage: bool,
    field: str = "mesure",
) -> list[Problem]:
    """C6: Qualiopi (actions de formation) is required for public funding, and Qualiopi
    (actions de formation par apprentissage) for apprentissage; plain continuing training paid by
    a company or the learner needs none."""
    problems: list[Problem] = []
    if apprentissage and not qualiopi_apprentissage:
        problems.append(
            Problem(
                field,
                "L'apprentissage demande la certification Qualiopi « actions de formation par "
                "apprentissage » de l'organisme responsable.",
                rule="C6",
            )
        )
    elif public_funding and not apprentissage and not qualiopi_action_formation:
        problems.append(
            Problem(
                field,
                "Un financement public demande la certification Qualiopi « actions de formation » "
                "de l'organisme responsable.",
                rule="C6",
            )
        )
    return problems
