from app.extensions import db
from app.models import Formation, Session, Structure


def test_every_page_renders_for_admin(login):
    client = login("admin")
    structure, formation, session = (db.session.query(m).first().id for m in (Structure, Formation, Session))
    for url in ["/", "/structureview/list/", "/formationview/list/", "/sessionview/list/",
                "/financementview/list/", "/recrutementview/list/", "/certificationview/list/",
                "/nomenclatureview/list/", "/structurerightview/list/", "/historyentryview/list/",
                "/formationview/add", "/sessionview/add", f"/structureview/show/{structure}",
                f"/structureview/edit/{structure}", f"/formationview/show/{formation}",
                f"/formationview/edit/{formation}", f"/sessionview/show/{session}", f"/sessionview/edit/{session}",
                "/api/v1/_openapi", "/users/list/", "/swagger/v1"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
