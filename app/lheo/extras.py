"""`extras` (LHEO circle 3, LHEO-NOTES §6): the regional data partners read and LHEO has no
element for — dispositif/mesure, état du dispositif, numéro de marché, financeur of each
financement (AFC, AIF and POEI all have financeur code 4), keywords, métiers visés, *le + de la
formation*, the session's remaining details.

Convention of Carif flows: `<extras info="group"><extra info="key">value</extra></extras>`,
always the last children of their element; empty values are left out, a group without values too.
"""
from __future__ import annotations

from .elements import _text, amount, code_in, compact, el, flag


def _group(parent, info: str, values, **attributes):
    """`<extras info=…>` with one `<extra info=key ref=code>` per non-empty (key, value[, code])."""
    items = [item for item in values if item[1] is not None and item[1] != ""]
    if not items:
        return None
    node = el(parent, "extras", info=info, **attributes)
    for item in items:
        _text(node, "extra", item[1], info=item[0], ref=item[2] if len(item) > 2 else None)
    if len(node) == 0:  # only blank values
        parent.remove(node)
        return None
    return node


def formation_extras(parent, formation) -> None:
    _group(parent, "formation", (
        ("mots-cles", formation.mots_cles),
        ("metiers-vises", formation.metiers_vises),
        ("le-plus-de-la-formation", formation.plus_formation),
        ("url-video", formation.url_video),
        ("url-brochure", formation.url_brochure),
        ("apprentissage", flag(formation.apprentissage)),
        ("importee", "1" if getattr(formation, "importee", False) else None),  # G7: arrived by import
    ))


def action_extras(parent, session) -> None:
    """One `extras info="financement"` per financement (F6) inside `extras info="financements"`."""
    if session.financements:
        group = el(parent, "extras", info="financements")
        for financement in session.financements:
            financeur, mesure = financement.financeur, financement.mesure
            etat_dispositif, etat_recrutement = financement.etat_dispositif, financement.etat_recrutement
            _group(group, "financement", (
                ("code-financeur", code_in(financeur, range(21)) or ""),
                ("financeur", financeur.libelle if financeur else None),
                ("code-dispositif", mesure.code if mesure else None),
                ("dispositif", mesure.libelle if mesure else None),
                ("etat-dispositif", etat_dispositif.libelle if etat_dispositif else None,
                 compact(etat_dispositif.code) if etat_dispositif else None),
                ("numero-marche", financement.numero_marche),
                ("nb-places", financement.nb_places),
                ("etat-recrutement", etat_recrutement.libelle if etat_recrutement else None,
                 compact(etat_recrutement.code) if etat_recrutement else None),
                ("prix-total", amount(financement.prix_total)),
                ("prix-HT", amount(financement.prix_ht)),
                ("taux-TVA", amount(financement.tva)),
                ("prix-TTC", amount(financement.prix_ttc)),
                ("frais-inscription", amount(financement.frais_inscription)),
                ("frais-materiel", amount(financement.frais_materiel)),
                ("frais-certification", amount(financement.frais_certification)),
                ("frais-additionnels", amount(financement.frais_additionnels)),
                ("detail-frais-additionnels", financement.frais_additionnels_details),
                ("commentaire", financement.commentaire),
            ))
        if len(group) == 0:
            parent.remove(group)


def session_extras(parent, session) -> None:
    _group(parent, "session", (
        ("duree-hebdomadaire", amount(session.duree_hebdomadaire)),
        ("commentaire-duree", session.duree_commentaire),
        ("commentaire-modalites", session.modalites_commentaire),
        ("session-a-la-demande", "1" if session.a_la_demande else None),
        ("autres-contacts", session.contact_autre),
        ("referent-handicap", session.referent_handicap),
        ("referent-mobilite", session.referent_mobilite),
    ))


def organisme_extras(parent, structure) -> None:
    _group(parent, "organisme", (
        ("reference", structure.reference),
        ("type", structure.type.libelle if getattr(structure, "type", None) is not None else None),
        ("potentiel", structure.potentiel),
        ("code-APE", structure.ape),
    ))
