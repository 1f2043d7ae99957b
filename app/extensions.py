"""Extension singletons; everything imports them from here (Superset's extensions module)."""
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()()  # `from flask_appbuilder import SQLA` no longer exists (FAB #2401)
csrf = CSRFProtect()
mail = Mail()
migrate = Migrate()
