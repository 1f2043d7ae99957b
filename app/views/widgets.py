"""French form fields: dates typed and shown as dd/mm/yyyy, times as HH:MM."""
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, request
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import get_locale
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, DatePickerWidget
from flask_appbuilder.widgets import FormWidget, SearchWidget
from markupsafe import Markup
from wtforms import DateField, TextAreaField, TimeField
from wtforms.widgets import html_params
from wtforms.validators import DataRequired, Optional

from app.validators.formation import DESCRIPTION_MAX
from app.checks.richtext import ALLOWED_TAGS, sanitize_rich_text
from app.security.scope import is_manager, visible_user_ids

DATE_FORMAT = "%d/%m/%Y"


class FrenchDatePickerWidget(DatePickerWidget):
    data_template = DatePickerWidget.data_template.replace(
        'data-format="yyyy-MM-dd"', 'data-format="dd/MM/yyyy" placeholder="jj/mm/aaaa"'
    )

    def __call__(self, field, **kwargs):
        """The value as the field formats it (dd/mm/yyyy), or as typed when the form comes back
        refused; FAB's widget prints the Python date (yyyy-mm-dd)."""
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        return Markup(self.data_template % {"text": html_params(type="text", value=field._value(), **kwargs)})


def french_date_field(label, required: bool = False, description: str = "") -> DateField:
    return DateField(
        label,
        format=DATE_FORMAT,
        description=description,
        widget=FrenchDatePickerWidget(),
        validators=[DataRequired()] if required else [Optional()],
    )


def time_field(label, required: bool = False) -> TimeField:
    return TimeField(
        label,
        format="%H:%M",
        widget=BS3TextFieldWidget(),
        render_kw={"placeholder": "hh:mm"},
        validators=[DataRequired()] if required else [Optional()],
    )


def format_date(value) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def format_datetime(value) -> str:
    """A timestamp as French readers expect it, in their time zone: 01/12/2026 21:26. Timestamps are
    stored in UTC without a zone (models/base.py utcnow); Flask-Babel converts them to
    BABEL_DEFAULT_TIMEZONE (Europe/Paris)."""
    return babel_format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def format_day(value) -> str:
    """The day of a timestamp, in the readers' time zone: 01/12/2026."""
    return babel_format_datetime(value, "dd/MM/yyyy") if value else ""


def format_time(value) -> str:
    return value.strftime("%H:%M") if value else ""


def format_bool(value) -> str:
    return "Oui" if value else "Non"


def format_value(value) -> str:
    """Generic display: nothing for empty values, lists joined by commas (FAB shows "None" and
    Python lists)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return format_bool(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


def rich_text_fields(names, maximum: int = DESCRIPTION_MAX) -> dict:
    """Text areas for rich text with a live counter of the characters left (init.html counts the
    visible text, tags excluded, as the rule E5 does)."""
    from .labels import LABELS

    allowed = ", ".join(f"<{tag}>" for tag in sorted(ALLOWED_TAGS))
    return {
        name: TextAreaField(
            LABELS.get(name, name),
            widget=BS3TextAreaFieldWidget(),
            validators=[Optional()],
            description=f"{maximum} caractères au plus. Mise en forme simple : gras, italique, listes "
            f"(balises acceptées : {allowed}) ; ni script, ni image, ni tableau.",
            render_kw={"rows": 8, "data-maxchars": maximum},
        )
        for name in names
    }


def format_rich_text(value):
    """Stored rich text is sanitised on save; it is cleaned again here for rows saved before."""
    cleaned = sanitize_rich_text(value)
    return Markup(cleaned) if cleaned else ""


def format_author(user) -> str:
    """An author as the reader may know him (A3): his colleagues by name, the Carif-Oref's staff
    as « Carif-Oref », anyone else as « Un autre organisme »."""
    if user is None:
        return ""
    visible = visible_user_ids()
    if visible is None or user.id in visible:
        return str(user)
    return "Carif-Oref" if is_manager(user) else "Un autre organisme"


def history_rows(entries) -> list[SimpleNamespace]:
    """History entries for the pages' history panel, authors shown by `format_author`."""
    return [SimpleNamespace(at=e.at, action=e.action, comment=e.comment, author=format_author(e.author))
            for e in entries]


class CachedSearchWidget(SearchWidget):
    """FAB's list filters, their fields rendered once per view and language.

    FAB renders every field of the search form and lists every filter's name on each list page
    (a fifth of an empty list's time). On a GET the form is not bound, and its fields hold no
    row — relations are remote pickers that fetch their choices (app/views/pickers.py) —, so
    their HTML is the same for everyone; the active filters, which depend on the request, are
    computed each time. A bound form (a POST) is rendered as FAB does."""

    def __call__(self, **kwargs):
        form = self.template_args["form"]
        if request.method != "GET" or form.is_submitted():
            return super().__call__(**kwargs)
        include = tuple(self.template_args["include_cols"])
        key = (self.template_args.get("route_base"), include, str(get_locale()))
        rendered = current_app.extensions.setdefault("portal_search_fields", {})  # per application
        parts = rendered.get(key)
        if parts is None:
            search_filters = self.filters.get_search_filters()
            parts = rendered[key] = (
                {col: str(form[col].label.text) for col in include},
                {col: form[col]() for col in include},
                {col: [str(flt.name) for flt in search_filters[col]] for col in include},
            )
        kwargs["label_columns"], kwargs["form_fields"], kwargs["search_filters"] = parts
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        return FormWidget.__call__(self, **kwargs)
