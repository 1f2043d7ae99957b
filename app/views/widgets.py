"""French form fields: dates typed and shown as dd/mm/yyyy, times as HH:MM."""
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, DatePickerWidget
from wtforms import DateField, TimeField
from wtforms.validators import DataRequired, Optional

DATE_FORMAT = "%d/%m/%Y"


class FrenchDatePickerWidget(DatePickerWidget):
    data_template = DatePickerWidget.data_template.replace(
        'data-format="yyyy-MM-dd"', 'data-format="dd/MM/yyyy" placeholder="jj/mm/aaaa"'
    )


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
    return value
