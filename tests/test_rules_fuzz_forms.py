"""Property-based: whatever a browser posts to the offer forms, the page never answers 500 and a
refused post changes nothing already saved."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.views.offer import FormationView, SessionView
from app.views.offer_children import CycleAlternanceView, FinancementView, RecrutementView
from app.views.structures import LieuView
from tests.helpers import formation_like

FIELD_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "07:00", "24:61", "31/02/2027", "01/01/2027", "2027-01-01", "99999999999999999999",
                     "1e9", "__None", "<script>x</script>", "y", "999999", "1", "2", "3"]),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
)

FORMS = {
    "session": SessionView.add_columns,
    "formation": FormationView.add_columns,
    "recrutement": RecrutementView.add_columns,
    "financement": FinancementView.add_columns,
    "cyclealternance": CycleAlternanceView.add_columns,
    "lieu": LieuView.add_columns,
}


def _post_data(columns, values: dict) -> dict:
    return {name: value for name, value in values.items() if name in columns}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form=st.sampled_from(sorted(FORMS)),
    values=st.dictionaries(st.sampled_from(sorted({c for cols in FORMS.values() for c in cols})), FIELD_VALUES,
                           max_size=10),
    edit=st.booleans(),
)
def test_random_form_posts_never_answer_500(login, reset_demo, form, values, edit):
    client = login("contact")
    session = formation_like("Sécurité incendie%").sessions[0]
    if form == "session" and edit:
        url = f"/sessionview/edit/{session.id}"
    elif form == "formation" and edit:
        url = f"/formationview/edit/{session.formation_id}"
    else:
        url = f"/{form}view/add"
    data = _post_data(FORMS[form], values)
    if form in ("recrutement", "financement", "cyclealternance") and "session" not in data:
        data["session"] = str(session.id)
    response = client.post(url, data=data)
    assert response.status_code in (200, 302, 403, 404), (url, data, response.status_code)
    db.session.rollback()
