"""Pages shown to a signed-in person are never stored by the browser or a proxy (issue 16)."""

from __future__ import annotations


def test_signed_in_pages_are_not_stored(client, create_user, auth):
    auth.login(create_user(roles=("council",)))
    for path in ("/", "/account/profile", "/organisations/testville/members", "/no-such-page"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path


def test_public_pages_and_static_files_keep_their_caching(client, create_user, auth):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login(create_user())
    static = client.get("/static/css/pbvote.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
