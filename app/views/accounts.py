"""Account pages (SPEC B1–B4): the public request form, activation and password reset links, and
the managers' processing of requests."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.actions import action
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.decorators import has_access, permission_name

from app import accounts
from app.security.permissions import (
    ACTION_READ,
    ACTION_REVIEW,
    ACTION_SEND_RESET,
    EXCLUDED_VIEW_ROUTES,
    READ_ONLY_ROUTES,
    RESOURCE_ACCOUNT_REQUEST,
    RESOURCE_CONTACT_ACCOUNT,
)
from app.security.scope import CONTACT_ACCOUNTS
from app.extensions import db
from app.models import AccountRequest, AccountRequestEtat, RightLevel
from app.validators.documents import MAX_BYTES, download_headers
from app.validators.passwords import POLICY

from .base import ReferentialModelView, ScopedModelView, interface, parse_pk
from .widgets import format_bool, format_datetime

REQUEST_FIELDS = [
    ("siret", "SIRET de l'établissement", "text", True, "14 chiffres, sans espace."),
    ("nda", "Numéro de déclaration d'activité (NDA)", "text", True, "11 chiffres."),
    ("nom", "Nom", "text", True, ""),
    ("prenom", "Prénom", "text", True, ""),
    ("telephone", "Téléphone", "tel", True, ""),
    ("email", "Adresse e-mail", "email", True, "Elle sera votre identifiant ; un compte par adresse."),
    ("document", "Déclaration d'activité (facultatif)", "file", False, "PDF, PNG ou JPEG, 5 Mo au plus."),
    ("consentement", "J'accepte que mes données soient traitées par le Carif-Oref pour gérer l'offre de formation "
                     "(politique de protection des données personnelles).", "checkbox", True, ""),
]
PASSWORD_FIELDS = [
    ("password", "Nouveau mot de passe", "password", True, f"Il doit comporter {POLICY}."),
    ("confirmation", "Confirmez le mot de passe", "password", True, ""),
]


def _errors(problems) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    return errors


class AccountPublicView(BaseView):
    """Pages reached without an account."""

    route_base = "/compte"
    default_view = "request_account"

    def _page(self, title, fields, submit, values=None, errors=None, intro="", done=""):
        return self.render_template("portal/account_form.html", title=title, fields=fields, submit=submit,
                                    values=values or {}, errors=errors or {}, intro=intro, done=done)

    @expose("/demande", methods=["GET", "POST"])
    def request_account(self):
        title, submit = "Créer un compte", "Envoyer ma demande"
        intro = ("Organisme de formation : demandez l'accès au portail. Le Carif-Oref vérifie votre demande et vous "
                 "envoie un lien pour choisir votre mot de passe.")
        if request.method == "GET":
            return self._page(title, REQUEST_FIELDS, submit, intro=intro)
        upload = request.files.get("document")
        content = upload.read(MAX_BYTES + 1) if upload and upload.filename else b""
        data = accounts.RequestInput(
            siret=request.form.get("siret", ""), nda=request.form.get("nda", ""), nom=request.form.get("nom", ""),
            prenom=request.form.get("prenom", ""), telephone=request.form.get("telephone", ""),
            email=request.form.get("email", ""), consentement=request.form.get("consentement") == "y",
            document_nom=upload.filename if upload else "", document=content)
        problems = accounts.request_problems(data)
        if problems:
            values = {name: request.form.get(name, "") for name, *_ in REQUEST_FIELDS}
            return self._page(title, REQUEST_FIELDS, submit, values, _errors(problems), intro)
        accounts.create_request(data)
        return self._page(title, REQUEST_FIELDS, submit, done=(
            "Votre demande est enregistrée. Le Carif-Oref la traite et vous écrit à l'adresse indiquée."))

    def _password_page(self, token, purpose, title):
        try:
            user = accounts.user_for_token(token, purpose)
        except accounts.LinkError as error:
            return self._page(title, [], "", errors={"": [str(error)]}), 400
        if request.method == "POST":
            password = request.form.get("password", "")
            if password != request.form.get("confirmation", ""):
                return self._page(title, PASSWORD_FIELDS, "Enregistrer",
                                  errors={"confirmation": ["Les deux mots de passe ne sont pas identiques."]})
            problems = accounts.set_password(user, password)
            if problems:
                return self._page(title, PASSWORD_FIELDS, "Enregistrer", errors={"password": problems})
            return self._page(title, [], "", done="Votre mot de passe est enregistré : vous pouvez vous connecter "
                                                  f"avec l'identifiant {user.username}.")
        return self._page(title, PASSWORD_FIELDS, "Enregistrer", intro=f"Compte {user.username}.")

    @expose("/activation/<token>", methods=["GET", "POST"])
    def activation(self, token):
        return self._password_page(token, accounts.ACTIVATION, "Activer mon compte")

    @expose("/reinitialisation/<token>", methods=["GET", "POST"])
    def reset(self, token):
        return self._password_page(token, accounts.RESET, "Choisir un nouveau mot de passe")

    @expose("/mot-de-passe-oublie", methods=["GET", "POST"])
    def forgot(self):
        fields = [("email", "Adresse e-mail de votre compte", "email", True, "")]
        title, submit = "Mot de passe oublié", "Recevoir un lien"
        if request.method == "POST":
            accounts.send_reset_link(request.form.get("email", ""))
            return self._page(title, fields, submit, done=(
                "Si cette adresse correspond à un compte actif, un lien valable 24 heures vient d'y être envoyé."))
        return self._page(title, fields, submit)


class AccountRequestView(ReferentialModelView):
    """The managers' queue of account requests (B3). Not scoped: managers only (roles)."""

    datamodel = interface(AccountRequest)
    class_permission_name = RESOURCE_ACCOUNT_REQUEST
    list_title = "Demandes de compte"
    show_title = "Demande de compte"
    list_columns = ["created_at", "demandeur", "email", "siret", "nda", "etat_libelle"]
    show_columns = ["created_at", "demandeur", "email", "telephone", "siret", "nda", "document_nom", "etat_libelle",
                    "structure", "motif_refus", "processed_at", "processed_by"]
    search_columns = ["email", "siret", "nom", "etat"]
    label_columns = {"created_at": "Reçue le", "demandeur": "Demandeur", "document_nom": "Déclaration d'activité",
                     "etat_libelle": "État", "motif_refus": "Motif du refus", "processed_at": "Traitée le",
                     "processed_by": "Par"}
    base_order = ("created_at", "desc")
    exclude_route_methods = READ_ONLY_ROUTES
    show_template = "portal/account_request_show.html"

    @expose("/decide/<pk>", methods=["POST"])
    @has_access
    @permission_name(ACTION_REVIEW)
    def decide(self, pk):
        item = db.session.get(AccountRequest, parse_pk(pk)) or abort(404)
        try:
            if request.form.get("decision") == "accept":
                if accounts.accept(item, request.form.get("niveau", ""), g.user):
                    flash(f"Compte créé pour {item.email} ; le lien d'activation lui a été envoyé.", "success")
                else:
                    flash(f"Compte créé pour {item.email}, mais l'e-mail n'a pas pu partir (serveur de messagerie "
                          "injoignable) : le demandeur peut utiliser « Mot de passe oublié ».", "warning")
            elif request.form.get("decision") == "reject":
                accounts.reject(item, request.form.get("motif", ""), request.form.get("commentaire", ""), g.user)
                flash("Demande refusée ; le demandeur est prévenu par e-mail.", "success")
            else:
                flash("Choisissez une décision.", "warning")
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "danger")
        return redirect(url_for("AccountRequestView.show", pk=item.id))

    @expose("/document/<pk>")
    @has_access
    @permission_name(ACTION_READ)
    def document(self, pk):
        item = db.session.get(AccountRequest, parse_pk(pk))
        content = bytes(item.document or b"") if item is not None else b""  # memoryview on some drivers
        if not content:
            abort(404)
        # served by what the bytes are, under the sanitised name the applicant gave
        mimetype, headers = download_headers(item.document_nom or "", content, default="declaration-activite")
        return Response(content, mimetype=mimetype, headers=headers)

    def render_template(self, template, **kwargs):
        kwargs.setdefault("reasons", accounts.REJECTION_REASONS)
        kwargs.setdefault("levels", RightLevel.LABELS)
        kwargs.setdefault("pending", AccountRequestEtat.EN_ATTENTE)
        return super().render_template(template, **kwargs)


class ContactAccountView(ScopedModelView):
    """*Comptes des organismes* (B5): the Contact OF accounts a manager administers — names,
    e-mail, activation, a reset link. Accounts come from requests (*Demandes de compte*), rights
    from *Droits sur les structures*; roles and Admin/Gestionnaire accounts are not reachable."""

    datamodel = SQLAInterface(User)
    class_permission_name = RESOURCE_CONTACT_ACCOUNT
    method_permission_name = {**ScopedModelView.method_permission_name, "send_reset": ACTION_SEND_RESET}
    exclude_route_methods = EXCLUDED_VIEW_ROUTES | {"add", "delete"}
    base_filters = CONTACT_ACCOUNTS
    route_base = "/comptes"
    list_title = "Comptes des organismes"
    show_title = "Compte"
    edit_title = "Modifier le compte"
    list_columns = ["username", "first_name", "last_name", "email", "active", "last_login"]
    show_columns = ["username", "first_name", "last_name", "email", "active", "last_login", "login_count",
                    "created_on"]
    edit_columns = ["first_name", "last_name", "email", "active"]
    search_columns = ["username", "first_name", "last_name", "email", "active"]
    label_columns = {"username": "Identifiant", "first_name": "Prénom", "last_name": "Nom", "email": "E-mail",
                     "active": "Actif", "last_login": "Dernière connexion", "login_count": "Connexions",
                     "created_on": "Créé le"}
    description_columns = {"active": "Un compte désactivé ne peut plus se connecter ; ses sessions ouvertes "
                                     "sont fermées."}
    formatters_columns = {"last_login": format_datetime, "created_on": format_datetime, "active": format_bool}
    base_order = ("last_name", "asc")

    @staticmethod
    def record_check(user):
        return accounts.account_problems(user)

    @action("send_reset", "Envoyer un lien de réinitialisation",
            "Envoyer un lien de réinitialisation du mot de passe aux comptes sélectionnés ?", "fa-envelope",
            single=True)
    def send_reset(self, items):
        items = items if isinstance(items, list) else [items]
        sent = [user for user in items if user.active]
        for user in sent:
            accounts.send_reset_link(user.email)
        flash(f"Lien de réinitialisation envoyé à {len(sent)} compte(s) actif(s).", "success")
        if len(sent) < len(items):
            flash(f"{len(items) - len(sent)} compte(s) désactivé(s) : aucun lien envoyé (réactivez-les d'abord).",
                  "warning")
        return redirect(self.get_redirect())
