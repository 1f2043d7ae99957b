"""*Communication* pages (SPEC H2–H4): mes mémos, actualités (read by all, managed by managers),
messagerie with the Carif-Oref. Thin views: the rules, the scope and the writes are in
app/communication/; a foreign or forged id answers 404, never says whether the row exists."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import RadioField, StringField, TextAreaField

from app.checks.richtext import sanitize_rich_text
from app.commands import Invalid
from app.communication import actualites as news
from app.communication import memos as notes
from app.communication import messagerie as mailbox
from app.extensions import db
from app.models import ActualiteAudience, Formation, Structure
from app.security.permissions import (
    ACTION_ADD,
    ACTION_DELETE,
    ACTION_EDIT,
    ACTION_READ,
    RESOURCE_ACTUALITE,
    RESOURCE_MEMO,
    RESOURCE_MESSAGERIE,
)
from app.security import may
from app.security.scope import current_user, is_manager
from app.validators.communication import ACTUALITE_TEXT_MAX, MEMO_TEXT_MAX, MESSAGE_TEXT_MAX, TITLE_MAX, check_thread

from .base import show_problems
from .pickers import PICKABLE, RemoteSelectField
from .pickers import _answer as picker_answer  # select2's JSON for a query of our own (no model view here)
from .widgets import FrenchDatePickerWidget, format_author, french_date_field


def _required(form, *names) -> None:
    """Marked required (asterisk, aria-required); the rules say what is missing, in French."""
    for name in names:
        form[name].flags.required = True


def _refused(form, invalid: Invalid) -> None:
    show_problems(form, invalid.problems)


def _user():
    return current_user() or abort(403)


# --- H2: mémos --------------------------------------------------------------------------------------

class MemoForm(FlaskForm):
    title = StringField("Titre", render_kw={"maxlength": TITLE_MAX})
    text = TextAreaField("Texte", description=f"{MEMO_TEXT_MAX} caractères au plus.",
                         render_kw={"rows": 8, "maxlength": MEMO_TEXT_MAX})


class MemoView(BaseView):
    """*Mes mémos*: the user's own notes; nobody else reaches them (404 for anyone else's id)."""

    route_base = "/memos"
    default_view = "list"
    class_permission_name = RESOURCE_MEMO

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def list(self):
        return self.render_template("portal/communication_memos.html", memos=notes.memos(_user()))

    @expose("/<int:pk>")
    @has_access
    @permission_name(ACTION_READ)
    def show(self, pk):
        return self.render_template("portal/communication_memo.html", memo=notes.own_memo(pk, _user()))

    @expose("/nouveau", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_ADD)
    def add(self):
        return self._form(None)

    @expose("/<int:pk>/modifier", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def edit(self, pk):
        return self._form(notes.own_memo(pk, _user()))

    def _form(self, memo):
        form = MemoForm(obj=memo)
        _required(form, "title")
        if request.method == "POST" and form.validate():
            try:
                notes.save_memo(_user(), form.title.data, form.text.data, memo)
            except Invalid as invalid:
                _refused(form, invalid)
            else:
                flash("Mémo enregistré.", "success")
                return redirect(url_for("MemoView.list"))
        return self.render_template("portal/communication_memo_form.html", form=form, memo=memo)

    @expose("/<int:pk>/supprimer", methods=["POST"])
    @has_access
    @permission_name(ACTION_DELETE)
    def delete(self, pk):
        user = _user()
        notes.delete_memo(user, notes.own_memo(pk, user))
        flash("Mémo supprimé.", "success")
        return redirect(url_for("MemoView.list"))


# --- H3: actualités ---------------------------------------------------------------------------------

class _DateWidget(FrenchDatePickerWidget):
    """The portal's date picker without FAB's fixed id="datepicker" (two on a page would share it)
    nor a second class attribute on its input."""

    data_template = FrenchDatePickerWidget.data_template.replace(' id="datepicker"', "")

    def __call__(self, field, **kwargs):
        kwargs.pop("class_", None)
        kwargs.pop("class", None)
        return super().__call__(field, **kwargs)


def _date_field(label, description=""):
    field = french_date_field(label, description=description)
    field.kwargs["widget"] = _DateWidget()
    return field


class ActualiteForm(FlaskForm):
    title = StringField("Titre", render_kw={"maxlength": TITLE_MAX})
    text = TextAreaField("Texte", description=f"{ACTUALITE_TEXT_MAX} caractères au plus. Mise en forme simple : gras, "
                         "italique, listes ; ni script, ni image, ni tableau.",
                         render_kw={"rows": 10, "data-maxchars": ACTUALITE_TEXT_MAX})
    publication = _date_field("Date de publication", "jj/mm/aaaa : l'actualité est affichée à partir de ce jour.")
    expiration = _date_field("Date d'expiration", "Facultative, jj/mm/aaaa : l'actualité n'est plus affichée à "
                             "partir de ce jour.")
    audience = RadioField("Public", choices=list(ActualiteAudience.LABELS.items()), default=ActualiteAudience.TOUS,
                          validate_choice=False)


class ActualiteView(BaseView):
    """*Actualités*: everyone reads those on air for him (opening one marks it read); managers
    write them and list them all, coming and expired included."""

    route_base = "/actualites"
    default_view = "list"
    class_permission_name = RESOURCE_ACTUALITE

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def list(self):
        user = _user()
        if may(ACTION_EDIT, RESOURCE_ACTUALITE):
            return self.render_template("portal/communication_actualites_gestion.html",
                                        rows=news.managed_actualites(user), status=news.status)
        return self.render_template("portal/communication_actualites.html",
                                    actualites=news.current_actualites(user, limit=None))

    @expose("/<int:pk>")
    @has_access
    @permission_name(ACTION_READ)
    def show(self, pk):
        user = _user()
        actualite = news.readable_actualite(pk, user)
        news.mark_read(actualite, user)
        return self.render_template("portal/communication_actualite.html", actualite=actualite,
                                    status=news.status(actualite), may_edit=may(ACTION_EDIT, RESOURCE_ACTUALITE),
                                    text=Markup(sanitize_rich_text(actualite.text) or ""))

    @expose("/<int:pk>/lue", methods=["POST"])
    @has_access
    @permission_name(ACTION_READ)  # the reader's own read mark, nothing of the actualité
    def mark_read(self, pk):
        user = _user()
        news.mark_read(news.readable_actualite(pk, user), user)
        flash("Actualité marquée comme lue.", "info")
        return redirect(_back(url_for("ActualiteView.list")))

    @expose("/nouvelle", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_ADD)
    def add(self):
        return self._form(None)

    @expose("/<int:pk>/modifier", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_EDIT)
    def edit(self, pk):
        return self._form(news.readable_actualite(pk, _user()))

    def _form(self, actualite):
        form = ActualiteForm(obj=actualite)
        _required(form, "title", "text", "publication")
        if request.method == "POST" and form.validate():
            try:
                saved = news.save_actualite(_user(), form.data, actualite)
            except Invalid as invalid:
                _refused(form, invalid)
            else:
                flash("Actualité enregistrée.", "success")
                return redirect(url_for("ActualiteView.show", pk=saved.id))
        return self.render_template("portal/communication_actualite_form.html", form=form, actualite=actualite)

    @expose("/<int:pk>/supprimer", methods=["POST"])
    @has_access
    @permission_name(ACTION_DELETE)
    def delete(self, pk):
        user = _user()
        news.delete_actualite(user, news.readable_actualite(pk, user))
        flash("Actualité supprimée.", "success")
        return redirect(url_for("ActualiteView.list"))


def _back(default: str) -> str:
    from app.security.headers import safe_target

    return safe_target(request.form.get("next", ""), default)


# --- H4: messagerie ---------------------------------------------------------------------------------

def _picker(name: str, model, label: str, choices, description: str = ""):
    """A remote picker (app/views/pickers.py) among `choices(user)`: a posted id outside them —
    forged or foreign — is refused next to the field, and nothing says whether it exists."""

    def lookup(ids):
        return db.session.execute(choices(current_user()).where(model.id.in_(ids))).scalars().all()

    return RemoteSelectField(label, description=description, lookup=lookup, picker=("MessagerieView", name, False),
                             get_pk_func=lambda row: row.id, get_label=PICKABLE[model].label, allow_blank=True)


class ThreadForm(FlaskForm):
    structure = _picker("structure", Structure, "Structure", mailbox.structure_choices)
    formation = _picker("formation", Formation, "Formation concernée", mailbox.formation_choices,
                        "Facultative : une formation de la structure choisie.")
    subject = StringField("Objet", render_kw={"maxlength": TITLE_MAX})
    text = TextAreaField("Message", description=f"Texte simple, {MESSAGE_TEXT_MAX} caractères au plus.",
                         render_kw={"rows": 8, "maxlength": MESSAGE_TEXT_MAX})


class ReplyForm(FlaskForm):
    text = TextAreaField("Votre réponse", description=f"Texte simple, {MESSAGE_TEXT_MAX} caractères au plus.",
                         render_kw={"rows": 6, "maxlength": MESSAGE_TEXT_MAX})


PICKER_CHOICES = {"structure": (Structure, mailbox.structure_choices),
                  "formation": (Formation, mailbox.formation_choices)}


class MessagerieView(BaseView):
    """*Messagerie*: the threads of the user's structures (every thread for managers), each opened
    marks it read; a new thread for one of his structures or formations; answers."""

    route_base = "/messagerie"
    default_view = "list"
    class_permission_name = RESOURCE_MESSAGERIE

    @expose("/")
    @has_access
    @permission_name(ACTION_READ)
    def list(self):
        user = _user()
        unread_only = request.args.get("non_lus") == "1"
        page = request.args.get("page", "1")
        page = int(page) if page.isdecimal() and int(page) < 10**5 else 1
        wanted = request.args.get("structure", "")  # a structure's conversations (within the scope)
        structure_id = int(wanted) if wanted.isdecimal() and int(wanted) < 2**31 else None
        rows = mailbox.threads(user, unread_only=unread_only, page=page, structure_id=structure_id)
        more = len(rows) > mailbox.THREADS_LISTED
        return self.render_template("portal/communication_threads.html", rows=rows[:mailbox.THREADS_LISTED],
                                    unread_only=unread_only, page=page, more=more, manager=is_manager(user))

    @expose("/<int:pk>")
    @has_access
    @permission_name(ACTION_READ)
    def show(self, pk):
        return self._thread(pk, ReplyForm(formdata=None))

    def _thread(self, pk, form):
        user = _user()
        thread = mailbox.readable_thread(pk, user)
        writable = mailbox.may_write(thread, user)
        _required(form, "text")
        mailbox.mark_thread_read(thread, user)  # before the navbar counts the unread threads
        return self.render_template("portal/communication_thread.html", thread=thread, form=form,
                                    messages=mailbox.messages(thread), author=format_author, writable=writable)

    @expose("/<int:pk>/repondre", methods=["POST"])
    @has_access
    @permission_name(ACTION_ADD)
    def reply(self, pk):
        user = _user()
        thread = mailbox.readable_thread(pk, user)
        form = ReplyForm()
        try:
            mailbox.post_message(user, thread, form.text.data)
        except Invalid as invalid:
            _refused(form, invalid)
            return self._thread(pk, form)
        flash("Message envoyé.", "success")
        return redirect(url_for("MessagerieView.show", pk=thread.id) + "#dernier-message")

    @expose("/nouveau", methods=["GET", "POST"])
    @has_access
    @permission_name(ACTION_ADD)
    def add(self):
        user = _user()
        form = ThreadForm()
        _required(form, "structure", "subject", "text")
        if request.method == "GET":
            self._prefill(form, user)
        elif not form.validate():  # a choice refused: the rules still say what else is wrong
            show_problems(form, check_thread(form.subject.data, form.text.data))
        else:
            structure, formation = form.structure.data, form.formation.data
            try:
                thread = mailbox.start_thread(user, structure.id if structure else None,
                                              formation.id if formation else None, form.subject.data, form.text.data)
            except Invalid as invalid:
                _refused(form, invalid)
            else:
                flash("Message envoyé au Carif-Oref." if not is_manager(user) else "Message envoyé.", "success")
                return redirect(url_for("MessagerieView.show", pk=thread.id))
        return self.render_template("portal/communication_thread_form.html", form=form)

    @staticmethod
    def _prefill(form, user) -> None:
        """`?formation=` (from a formation's page) or `?structure=`: chosen when the user may."""
        wanted = request.args.get("formation", "")
        if wanted.isdecimal() and int(wanted) < 2**31:
            formation = db.session.execute(mailbox.formation_choices(user).where(Formation.id == int(wanted))).scalar()
            if formation is not None:
                form.formation.data, form.structure.data = formation, formation.structure
                return
        wanted = request.args.get("structure", "")
        if wanted.isdecimal() and int(wanted) < 2**31:
            form.structure.data = db.session.execute(
                mailbox.structure_choices(user).where(Structure.id == int(wanted))).scalar()

    @expose("/choix/<field>")
    @has_access
    @permission_name(ACTION_ADD)
    def pick(self, field):
        """The rows a new thread's picker offers (select2): the user's own choices only."""
        if field not in PICKER_CHOICES:
            abort(404)
        model, choices = PICKER_CHOICES[field]
        query = db.session.query(model).filter(model.id.in_(choices(_user()).with_only_columns(model.id)))
        return picker_answer(model, query)


def recent_memos(limit: int = 5):
    """The dashboard's mémos block: the user's last changed mémos (a Jinja global, one query)."""
    user = current_user()
    return notes.memos(user, limit=limit) if user is not None else []

