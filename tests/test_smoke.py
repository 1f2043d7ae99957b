def test_pages_render_for_admin(login):
    client = login("admin")
    for url in ["/", "/structureview/list/", "/formationview/list/", "/sessionview/list/",
                "/financementview/list/", "/recrutementview/list/", "/certificationview/list/",
                "/nomenclatureview/list/", "/structurerightview/list/", "/historyentryview/list/",
                "/formationview/add", "/sessionview/add", "/structureview/show/1", "/formationview/show/1",
                "/sessionview/show/1", "/api/v1/_openapi", "/users/list/"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
