"""FAB's user views with the few columns FAB labels from their names, in French."""
from flask_appbuilder.security.views import UserDBModelView

from .widgets import format_bool, format_date


class PortalUserDBModelView(UserDBModelView):
    formatters_columns = {"active": format_bool, "last_login": format_date,
                          "created_on": format_date, "changed_on": format_date}
