"""i18n-accounts: the API's problem details speak the kiosk user's language (Accept-Language); field names,
titles and the OpenAPI document stay as they are. Welsh and Polish from the i18n-accounts part of the catalogues."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def test_i18n_accounts_a_problem_detail_in_welsh(client, voting):
    response = client.post("/api/v1/tokens/voter-code", json={"round_id": voting.round.id + 999, "code": "X"},
                           headers={"Accept-Language": "cy"})

    body = response.get_json(force=True)
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert body["detail"] == "Nid oes rownd o’r fath."
    assert body["title"] == "Not Found" and body["type"] == "about:blank"


def test_i18n_accounts_a_missing_token_explained_in_polish(client, voting):
    response = client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers={"Accept-Language": "pl"})

    body = response.get_json(force=True)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="pbvote"'
    assert body["detail"].startswith("Wyślij token okaziciela: Authorization: Bearer <token>")


def test_i18n_accounts_the_openapi_document_stays_english(client):
    response = client.get("/api/openapi.json", headers={"Accept-Language": "cy"})

    assert response.status_code == 200
    assert "Nid oes" not in response.get_data(as_text=True)


def test_i18n_accounts_the_docs_page_in_welsh(client):
    page = client.get("/api/docs", headers={"Accept-Language": "cy"}).get_data(as_text=True)

    assert '<html lang="cy">' in page and "<title>Dogfennaeth yr API · pbvote</title>" in page
