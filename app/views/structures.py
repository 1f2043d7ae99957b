"""Ma structure (SPEC C1–C11): the structure, its coordonnées, contacts, lieux, habilitations
and documents. Thin views: columns, labels, filters."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import func, or_, select
from wtforms import FileField, SelectField
from wtforms.validators import DataRequired

from app.security.permissions import (
    ACTION_EDIT,
    ACTION_READ,
    ACTION_REVIEW,
    EXCLUDED_VIEW_ROUTES,
    NO_DELETE,
    RESOURCE_COORDONNEE,
    RESOURCE_DOCUMENT,
    RESOURCE_HABILITATION,
    RESOURCE_LIEU,
    RESOURCE_STRUCTURE,
    RESOURCE_STRUCTURE_CONTACT,
)
from app.models import (
    Coordonnee,
    CoordonneeKind,
    Habilitation,
    HabilitationNature,
    Lieu,
    NomenclatureKind,
    Session,
    SessionLieu,
    Structure,
    StructureContact,
    StructureDocument,
    StructureChangeEtat,
    StructureEtat,
)
from app.commands import Invalid
from app.commands.actor import actor_of
from app.commands.confirm import ConfirmStructure
from app.commands.records import RECORDS
from app.commands.save import SaveRecord
from app.commands.transition import FireStructureChange, WithdrawStructureOperation
from app.extensions import db
from app.models import HistoryEntry
from app.models.structures import QUALIOPI_FIELDS
from app.security.scope import SCOPE, WRITABLE, current_user, is_manager, scoped
from app.workflow import structure_changes
from app.workflow.principal import keep_one_principal
from app.validators.documents import MAX_BYTES, document_problems, download_headers, safe_filename, sniff_mime

from .base import ScopedModelView, interface, parse_pk
from .espace import ESPACE
from .tabs import session_arg
from .widgets import history_rows

QUALIOPI_LISTED = 500  # structures listed on the lost-Qualiopi page; the others are counted


def _label(name: str) -> str:
    from .labels import LABELS

    return str(LABELS.get(name, name.replace("_", " ").capitalize()))


def kind_filter(kind: str) -> list:
    """Dropdown filter limiting a nomenclature relation to one code list."""
    return [["kind", FilterEqual, kind]]


def prefill_staged(form, item) -> None:
    """C9: an organisation edits a row of its validated structure with what its request gives it."""
    if item is None or is_manager(current_user()):
        return
    for name, value in structure_changes.staged_values(db.session, item).items():
        if name in form:
            form[name].data = value


class CoordonneeView(ScopedModelView):
    datamodel = interface(Coordonnee)
    class_permission_name = RESOURCE_COORDONNEE
    list_title = show_title = "Coordonnées"
    add_title = "Ajouter une coordonnée"
    edit_title = "Modifier une coordonnée"
    list_columns = ["structure.nom", "nature", "valeur", "type_libelle", "diffusion", "principal", "pending_change"]
    label_columns = {"structure.nom": "Structure"}
    add_columns = edit_columns = ["structure", "nature", "valeur", "type_libelle", "diffusion", "principal"]
    show_columns = add_columns
    search_columns = ["structure", "nature", "valeur", "principal"]
    formatters_columns = {"nature": lambda v: CoordonneeKind.LABELS.get(v, v)}

    def pre_add(self, item):
        if item.structure is not None:
            keep_one_principal(item, [c for c in item.structure.coordonnees if c.nature == item.nature])

    pre_update = pre_add
    add_form_extra_fields = edit_form_extra_fields = {
        "nature": SelectField("Nature", choices=list(CoordonneeKind.LABELS.items()), validators=[DataRequired()]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {"structure": WRITABLE}

    def prefill_form(self, form, pk):
        prefill_staged(form, db.session.get(Coordonnee, pk))


class StructureContactView(ScopedModelView):
    datamodel = interface(StructureContact)
    class_permission_name = RESOURCE_STRUCTURE_CONTACT
    list_title = show_title = "Contacts de la structure"
    add_title = "Ajouter un contact"
    edit_title = "Modifier un contact"
    list_columns = ["reference", "civilite", "nom", "prenom", "fonction", "email", "telephone", "principal"]
    show_columns = add_columns = edit_columns = [
        "structure", "civilite", "nom", "prenom", "type_contact", "fonction", "service",
        "email", "telephone", "principal", "diffusion",
    ]
    search_columns = ["structure", "nom", "prenom", "fonction", "email"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "structure": WRITABLE,
        "type_contact": kind_filter(NomenclatureKind.TYPE_CONTACT),
    }

    def pre_add(self, item):
        if item.structure is not None:
            keep_one_principal(item, item.structure.contacts)

    pre_update = pre_add


class LieuView(ScopedModelView):
    datamodel = interface(Lieu)
    class_permission_name = RESOURCE_LIEU
    list_title = show_title = "Lieux"
    add_title = "Ajouter un lieu"
    edit_title = "Modifier un lieu"
    list_columns = ["nom", "ligne", "code_postal", "ville", "structure.nom", "pending_change"]
    label_columns = {"structure.nom": "Structure"}
    show_columns = add_columns = edit_columns = [
        "structure", "nom", "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee",
        "latitude", "longitude", "telephone", "siret", "uai",
    ]
    search_columns = ["structure", "nom", "code_postal", "ville"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"structure": WRITABLE}
    required_columns = ("nom", "ligne", "code_postal", "ville", "latitude", "longitude")  # C11, F4

    def prefill_form(self, form, pk):
        prefill_staged(form, db.session.get(Lieu, pk))

    def prefill_add(self, form):
        """F3, F4: a lieu created from a session page starts with its OF formateur's address (the
        coordinates, which the portal cannot know, are left to type)."""
        structure_id = request.args.get("_flt_0_structure", "")
        structure = db.session.get(Structure, int(structure_id)) if structure_id.isdecimal() and \
            int(structure_id) < 2**31 else None
        if structure is None or session_arg() is None:
            return
        form.nom.data = f"{structure} – {structure.ville}" if structure.ville else str(structure)
        for name in ("ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee"):
            if name in form:
                form[name].data = getattr(structure, name)

    def post_add(self, item):
        """Created from a session page: the new lieu becomes one of its lieux de formation (the
        principal one when it has none), through the same command as the Lieux tab."""
        session = db.session.get(Session, session_arg()) if session_arg() else None
        if session is None:
            return
        link = SessionLieu(session=session, lieu=item, principal=not session.lieux)
        try:
            SaveRecord(link, created=True, user=g.user).run()
        except Invalid as refusal:
            flash(f"Le lieu est créé mais n'a pas été ajouté à la session : {refusal}", "warning")


class HabilitationView(ScopedModelView):
    datamodel = interface(Habilitation)
    class_permission_name = RESOURCE_HABILITATION
    list_title = show_title = "Habilitations"
    add_title = "Ajouter une habilitation"
    edit_title = "Modifier une habilitation"
    list_columns = ["certification", "nature", "date_fin"]
    show_columns = add_columns = edit_columns = ["structure", "certification", "nature", "date_fin"]
    search_columns = ["structure", "certification", "nature", "date_fin"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"structure": WRITABLE}
    formatters_columns = {"nature": lambda v: HabilitationNature.LABELS.get(v, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "nature": SelectField("Nature", choices=list(HabilitationNature.LABELS.items()), validators=[DataRequired()]),
    }


class StructureDocumentView(ScopedModelView):
    """Documents attached to a structure, stored in the database and downloaded through the
    row-level scope."""

    datamodel = interface(StructureDocument)
    class_permission_name = RESOURCE_DOCUMENT
    list_title = show_title = "Documents"
    add_title = "Déposer un document"
    list_columns = ["nom", "mime_type", "taille", "depose_le", "structure.nom", "en_attente"]
    label_columns = {"structure.nom": "Structure", "en_attente": "Validation"}
    # C9: deposited on a validated structure, a document waits with the structure's request.
    formatters_columns = {"en_attente": lambda waiting: "En attente de validation" if waiting else "Validé"}
    show_columns = ["structure", "nom", "mime_type", "taille", "depose_le", "en_attente"]
    search_columns = ["structure", "nom", "mime_type", "taille", "depose_le"]
    add_columns = ["structure", "fichier"]
    add_form_extra_fields = {"fichier": FileField("Fichier (PDF, PNG ou JPEG, 5 Mo au plus)", validators=[DataRequired()])}
    add_form_query_rel_fields = {"structure": WRITABLE}
    exclude_route_methods = {*EXCLUDED_VIEW_ROUTES, "edit"}  # a document is replaced, not edited

    def pre_add(self, item):
        upload = request.files.get("fichier")
        content = upload.read(MAX_BYTES + 1) if upload else b""
        problems = document_problems(upload.filename if upload else "", content)
        if problems:
            raise ValueError(" ".join(problems))
        item.mime_type = sniff_mime(content)  # the bytes decide the type, and the name's extension
        item.nom = safe_filename(upload.filename, item.mime_type)
        item.contenu = content
        item.taille = len(content)

    @expose("/document/<pk>")
    @has_access
    def download_document(self, pk):
        document = self._scoped_get(parse_pk(pk))
        content = bytes(document.contenu or b"")  # some drivers hand back a memoryview
        if not content:
            abort(404)
        # served by what the bytes are now, whatever was stored with them
        mimetype, headers = download_headers(document.nom, content)
        return Response(content, mimetype=mimetype, headers=headers)


CONFIRMATION_DAYS = 365  # C10: a yearly confirmation

STRUCTURE_IDENTITY = ("raison_sociale", "siret", "nda", "ape", "uai", "parent", "type")


class StructureView(ScopedModelView):
    datamodel = interface(Structure)
    class_permission_name = RESOURCE_STRUCTURE
    exclude_route_methods = EXCLUDED_VIEW_ROUTES | NO_DELETE  # structures are archived, never deleted
    list_title = "Structures"
    show_title = "Fiche structure"
    add_title = "Créer une structure"
    edit_title = "Modifier la structure"
    # One name per structure in every list (Structure.nom: the nom usuel, else the raison sociale);
    # both stay searchable, and the page shows them under Identité.
    list_columns = ["reference", "nom", "siret", "nda_affiche", "code_postal", "ville", "etat_libelle"]
    search_columns = ["reference", "raison_sociale", "enseigne", "siret", "nda", "parent", "code_postal", "ville",
                      "etat"]
    order_columns = ["reference", "nom", "siret", "code_postal", "ville"]
    show_fieldsets = [
        ("Identité", {"fields": ["reference", "raison_sociale", "enseigne", "siret", "nda_affiche", "ape",
                                 "uai", "type", "parent", "etat_libelle"]}),
        ("Adresse", {"fields": ["ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee"]}),
        ("Organisation", {"fields": ["antennes", "infrastructures"]}),
        ("Labels qualité", {"fields": ["qualiopi_action_formation", "qualiopi_bilan", "qualiopi_vae",
                                       "qualiopi_apprentissage", "qualiopi_source", "labels"]}),
        ("Potentiel de formation", {"fields": ["potentiel", "potentiel_formacodes"]}),
        ("Gestion", {"fields": ["demande_particuliere", "demande_contacts", "confirme_le", "updated_at"]}),
    ]
    edit_columns = add_columns = [
        "raison_sociale", "enseigne", "siret", "nda", "ape", "uai", "type", "parent",
        "ligne", "complement", "bp_cs", "code_postal", "ville", "code_insee",
        "infrastructures", "qualiopi_action_formation", "qualiopi_bilan", "qualiopi_vae",
        "qualiopi_apprentissage", "labels", "potentiel", "potentiel_formacodes",
        "demande_particuliere", "demande_contacts",
    ]
    # C6: the Qualiopi flags come from the public list of training organisations
    # (app/refdata/qualiopi.py); organisations read them on the page, managers may correct them.
    manager_only_columns = STRUCTURE_IDENTITY + QUALIOPI_FIELDS
    base_filters = SCOPE + ESPACE
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "type": kind_filter(NomenclatureKind.TYPE_STRUCTURE),
        "infrastructures": kind_filter(NomenclatureKind.INFRASTRUCTURE),
        "labels": kind_filter(NomenclatureKind.LABEL_QUALITE),
        "potentiel_formacodes": kind_filter(NomenclatureKind.FORMACODE),
    }
    related_views = [CoordonneeView, StructureContactView, LieuView, HabilitationView, StructureDocumentView]
    show_template = "portal/show_structure.html"
    remote_columns = ("potentiel_formacodes",)  # the Formacode: thousands of codes once loaded

    # C9: an organisation's edit of a validated record becomes a change request; the save command
    # decides it (RECORDS[Structure].divert, the API's too). The form runs it here only to say what
    # happened; a request already waiting (Invalid) is shown on the form.
    def divert_save(self, item, created: bool) -> bool:
        diversion = RECORDS[Structure].divert(item, created, g.user)
        if diversion is None:
            return False
        flash(diversion.message, "success" if diversion.kept is not None else "info")
        return True

    def pre_update(self, item):
        """C6: flags a manager corrects are no longer the list's (the page says so) until the next
        list loaded sets them again."""
        state = sa_inspect(item)
        if any(state.attrs[name].history.has_changes() for name in QUALIOPI_FIELDS):
            item.qualiopi_source_le = None

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        structure = db.session.get(Structure, pk)
        change = structure_changes.pending(db.session, structure) if structure is not None else None
        if change is not None and not is_manager(current_user()):
            for name, value in structure_changes.proposed_values(db.session, change).items():
                if name in form:
                    form[name].data = value

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        structure = self._scoped_get(pk)
        widgets = self._show(structure.id)
        writable = scoped(db.session.query(Structure.id).filter(Structure.id == structure.id), Structure,
                          write=True).first() is not None
        change = structure_changes.pending(db.session, structure)
        actor = actor_of(g.user)
        stale = structure.confirme_le is None or structure.confirme_le < date.today() - timedelta(days=CONFIRMATION_DAYS)
        return self.render_template(
            self.show_template, pk=structure.id, title=self.show_title, widgets=widgets,
            related_views=self._related_views, change=change, writable=writable, stale=stale,
            write_to_carif=writable and not is_manager(g.user),
            change_diff=structure_changes.diff(db.session, change, _label) if change else [],
            change_transitions=structure_changes.available(change, actor) if writable else [],
            may_withdraw=writable and change is not None and change.etat != StructureChangeEtat.EN_ATTENTE,
            history=history_rows(db.session.execute(scoped(select(HistoryEntry).where(
                HistoryEntry.entity == "structure", HistoryEntry.entity_id == structure.id), HistoryEntry, write=False)
                .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())).scalars()),
        )

    # C10: the yearly confirmation of the structure's data.
    @expose("/confirm/<pk>", methods=["POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def confirm(self, pk):
        structure = ConfirmStructure(self._scoped_get(pk), g.user).run()
        flash("Merci : la confirmation des données de la structure est enregistrée.", "success")
        return redirect(url_for("StructureView.show", pk=structure.id))

    @expose("/a-confirmer")
    @has_access
    @permission_name(ACTION_REVIEW)
    def unconfirmed(self):
        """Managers: structures whose data were not confirmed for a year."""
        limit = date.today() - timedelta(days=CONFIRMATION_DAYS)
        rows = db.session.execute(select(Structure).where(
            or_(Structure.confirme_le.is_(None), Structure.confirme_le < limit),
            Structure.etat != StructureEtat.ARCHIVEE).order_by(Structure.confirme_le.nullsfirst(),
                                                               Structure.nom)).scalars().all()
        return self.render_template("portal/unconfirmed.html", rows=rows, limit=limit)

    @expose("/qualiopi-perdu")
    @has_access
    @permission_name(ACTION_READ)
    def qualiopi_lost(self):
        """C6: the structures of the user's scope and espace that lost a Qualiopi certification in
        the public list and still lack it (the dashboard's counter opens this list)."""
        from app.refdata.qualiopi import lost_clause
        from app.security.scope import espace_clause

        from .espace import current_espace

        query = select(Structure).where(lost_clause())
        espace = current_espace()
        if espace is not None:
            query = query.where(espace_clause(Structure, espace))
        query = scoped(query, Structure, write=False)
        total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
        rows = db.session.execute(query.order_by(Structure.raison_sociale).limit(QUALIOPI_LISTED)).scalars().all()
        return self.render_template("portal/qualiopi_lost.html", rows=rows, total=total)

    @expose("/change/withdraw/<pk>/<int:index>", methods=["POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def change_withdraw(self, pk, index):
        """C9: one operation on the lists taken out of the structure's change request."""
        structure = self._scoped_get(pk)
        try:
            WithdrawStructureOperation(structure, index, g.user).run()
        except Invalid as refused:
            flash(str(refused), "danger")
        else:
            flash("Opération retirée de la demande de modification.", "success")
        return redirect(url_for("StructureView.show", pk=structure.id))

    @expose("/change/<name>/<pk>", methods=["POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def change_transition(self, name, pk):
        structure = self._scoped_get(pk)
        try:  # no pending change: 404 (NotFound)
            FireStructureChange(structure, name, g.user, comment=request.form.get("commentaire")).run()
        except Invalid as refused:
            flash(str(refused), "danger")
        else:
            flash(f"{structure_changes.TRANSITIONS[name].label} : fait.", "success")
        return redirect(url_for("StructureView.show", pk=structure.id))
    edit_template = "appbuilder/general/model/edit_cascade.html"
