"""The tabs of a formation's and a session's pages (issue 12; SPEC E, F): which fields and child
lists each tab holds, as OFeli arranges them, and how a child row is shown. The views
(app/views/offer.py) render them with app/templates/portal/record_page.html."""
from __future__ import annotations

from markupsafe import Markup, escape

from app.security.permissions import (
    RESOURCE_CYCLE,
    RESOURCE_FINANCEMENT,
    RESOURCE_FORMATION_CERTIFICATION,
    RESOURCE_RECRUTEMENT,
    RESOURCE_SESSION_FORMATEUR,
    RESOURCE_SESSION_LIEU,
)

from .tabs import ChildList, Column, Group, Tab, principal_mark
from .widgets import format_date, format_time


def _text(value) -> str:
    return "" if value is None else str(value)


def _address(row) -> str:
    return " ".join(filter(None, (row.ligne, row.code_postal, row.ville)))


def _flagged(row) -> Markup:
    return Markup('<span class="label label-warning">À vérifier</span>') if getattr(row, "a_verifier", False) else ""


def _schedule(row) -> str:
    days = format_date(row.date_debut) if row.date_debut == row.date_fin or not row.date_fin else (
        f"du {format_date(row.date_debut)} au {format_date(row.date_fin)}")
    hours = f"{format_time(row.heure_debut)}–{format_time(row.heure_fin)}" if row.heure_debut else ""
    return " ".join(filter(None, (days, hours)))


def _where(row) -> str:
    return "À distance" if row.a_distance else _address(row)


def _certification(link) -> Markup:
    certification = link.certification
    end = certification.date_fin_enregistrement
    return Markup("{} – {}{}").format(certification.code, certification.intitule,
                                      Markup(f" <small>(fin d'enregistrement le {escape(format_date(end))})</small>")
                                      if end else "")


def _rythme(cycle) -> str:
    if not cycle.unite_rythme:
        return ""
    return f"{cycle.unites_centre or 0} en centre / {cycle.unites_entreprise or 0} en entreprise ({cycle.unite_rythme.libelle})"


SESSION_CHILDREN = (
    ChildList("formateurs", "OF formateurs", "SessionFormateurView", RESOURCE_SESSION_FORMATEUR, "session",
              (Column("OF formateur", lambda r: _text(r.structure)), Column("SIRET", lambda r: r.structure.siret),
               Column("Ville", lambda r: _text(r.structure.ville)), Column("", principal_mark)),
              add_label="Ajouter un OF formateur", empty="Aucun OF formateur : ajoutez-en un (F3).",
              help="À la création, l'OF formateur est l'OF responsable ; un seul est principal (F3)."),
    ChildList("lieux", "Lieux de formation", "SessionLieuView", RESOURCE_SESSION_LIEU, "session",
              (Column("Lieu", lambda r: r.lieu.nom), Column("Adresse", lambda r: _address(r.lieu)),
               Column("", principal_mark), Column("", _flagged)),
              add_label="Ajouter un lieu de formation", empty="Aucun lieu de formation (F4).",
              help="Les lieux proposés sont ceux des OF formateurs de la session (F4, F12)."),
    ChildList("financements", "Financements", "FinancementView", RESOURCE_FINANCEMENT, "session",
              (Column("Financeur", lambda r: _text(r.financeur and r.financeur.libelle)),
               Column("Mesure / dispositif", lambda r: _text(r.mesure and r.mesure.libelle)),
               Column("Recrutement", lambda r: _text(r.etat_recrutement and r.etat_recrutement.libelle)),
               Column("État du dispositif", lambda r: _text(r.etat_dispositif and r.etat_dispositif.libelle)),
               Column("Places", lambda r: _text(r.nb_places)), Column("N° de marché", lambda r: _text(r.numero_marche))),
              add_label="Ajouter un financement", empty="Aucun financement : au moins un est requis (F6)."),
    ChildList("recrutements", "Modalités de recrutement", "RecrutementView", RESOURCE_RECRUTEMENT, "session",
              (Column("Modalité", lambda r: _text(r.modalite and r.modalite.libelle)),
               Column("Numéro", lambda r: _text(r.numero)), Column("Date", _schedule),
               Column("Places", lambda r: _text(r.nb_places)), Column("Lieu", _where)),
              add_label="Ajouter une modalité de recrutement",
              empty="Aucune modalité : une ICO, un RDVI ou une ISC est requise (F13)."),
    ChildList("cycles", "Cycles de l'alternance", "CycleAlternanceView", RESOURCE_CYCLE, "session",
              (Column("Année", lambda r: _text(r.annee)), Column("Type de cycle", lambda r: _text(r.type_cycle and r.type_cycle.libelle)),
               Column("Alternance", lambda r: _text(r.type_alternance and r.type_alternance.libelle)),
               Column("Effectif minimal", lambda r: _text(r.effectif_minimal)),
               Column("Capacité simultanée / cumulée", lambda r: f"{_text(r.capacite_simultanee)} / {_text(r.capacite_cumulee)}"),
               Column("Rythme", _rythme)),
              add_label="Ajouter une année de cycle", empty="Aucun cycle (obligatoire en apprentissage, F8)."),
)

SESSION_TABS = (
    Tab("dates", "Dates et organisation", groups=(
        Group("dates", "Dates et contact", ("debut", "fin", "a_la_demande", "entree_sortie_permanente", "contact",
                                            "contact_autre", "referent_handicap_contact", "referent_handicap",
                                            "referent_mobilite_contact", "referent_mobilite"),
              readonly=("contact_a_verifier",)),)),
    Tab("lieux", "Lieux et formateurs", children=("formateurs", "lieux")),
    Tab("financements", "Financements", children=("financements",)),
    Tab("recrutement", "Recrutement", children=("recrutements",)),
    Tab("cycles", "Cycles", children=("cycles",)),
    Tab("blocs", "Blocs", groups=(
        Group("blocs", "Blocs de compétences", ("validation_blocs", "blocs")),),
        help="Totale ou mixte : tous les blocs des certifications de la formation sont retenus (F9)."),
    Tab("durees", "Durées", groups=(
        Group("durees", "Durées (en heures)", ("duree_centre", "duree_entreprise", "duree_hebdomadaire",
                                              "duree_indicative", "duree_commentaire"), readonly=("duree_totale",)),)),
    Tab("modalites", "Modalités", groups=(
        Group("modalites", "Modalités de la session", ("prerequis", "type_parcours", "rythmes", "modalite_enseignement",
                                                      "modalites_pedagogiques", "niveau_entree",
                                                      "niveau_entree_obligatoire", "equipements",
                                                      "modalites_commentaire")),)),
    Tab("inscription", "Inscription", groups=(
        Group("inscription", "Inscription", ("lieu_inscription", "modalites_inscription", "url_session")),)),
)

FORMATION_CHILDREN = (
    ChildList("certifications", "Certifications", "FormationCertificationView", RESOURCE_FORMATION_CERTIFICATION,
              "formation", (Column("Certification", _certification),
                            Column("Valideurs", lambda r: _text(r.certification.certificateurs)),
                            Column("", principal_mark)),
              add_label="Ajouter une certification", empty="Aucune certification (formation non certifiante).",
              help="Une certification est principale ; ses blocs sont ceux que les sessions valident (E2, F9)."),
)

FORMATION_TABS = (
    Tab("informations", "Informations", groups=(
        Group("identite", "Formation", ("intitule", "complement_intitule", "structure", "certifiante", "apprentissage",
                                        "duree_cycle", "niveau_entree", "niveau_sortie", "objectif_general")),
        Group("contenu", "Objectifs et contenu", ("objectifs", "contenu", "resultats")),
        Group("domaines", "Domaines", ("formacodes", "nsf", "romes", "mots_cles", "metiers_vises")),
        Group("presentation", "Présentation", ("plus_formation", "url_video", "url_brochure", "url_page")),
    ), children=("certifications",)),
    Tab("sessions", "Sessions", template="portal/_formation_sessions.html"),
    Tab("gestion", "Gestion", template="portal/_formation_gestion.html"),
)

