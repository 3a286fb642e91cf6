"""The demo crawler (tests/demo_pages.py) on a small site of its own: what it follows, what it never does."""

from __future__ import annotations

import pytest
from flask import Flask, redirect

from tests.demo_pages import DemoPage, Fetched, client_fetch, crawl, links

PAGES = {
    "/": '<a href="/items/1">one</a> <a href="items/2#top">two</a> <a href="/items/3">3</a> <a href="/items/4">4</a>'
         '<a href="/sign-out">out</a> <a href="/mail/unsubscribe/abc">stop</a> <a href="/api/v1/things">api</a>'
         '<a href="/export.csv">csv</a> <a href="/items/1" download>again</a> <a href="https://elsewhere.example/">x</a>'
         '<a href="mailto:someone@example.org">mail</a> <a href="/old">old</a> <a href="/static/app.css">css</a>'
         '<a href="/confirm/token">confirm</a>',
    "/items/1": '<a href="/">home</a> <a href="/items/1/edit">edit</a> <a href="/missing">broken</a>',
    "/items/2": '<a href="/items/2/edit">edit</a>',
    "/items/3": "",
    "/items/4": "",
    "/items/1/edit": "<form method=post></form>",
    "/items/2/edit": "",
    "/new": "",
}


@pytest.fixture
def site():
    """A Flask app whose url_map the crawler matches links against, and a log of the fetches."""
    app = Flask(__name__)
    for rule, endpoint in (("/", "home"), ("/items/<int:item_id>", "item"), ("/items/<int:item_id>/edit", "edit"),
                           ("/sign-out", "sign_out"), ("/mail/unsubscribe/<token>", "unsubscribe"),
                           ("/export.csv", "export"), ("/new", "new"), ("/api/v1/things", "api"),
                           ("/confirm/<token>", "accounts.confirm_email")):
        app.add_url_rule(rule, endpoint, lambda **_: "")
    app.add_url_rule("/old", "old", lambda: redirect("/new"))
    fetched = []

    def fetch(path: str) -> Fetched:
        fetched.append(path)
        if path == "/old":
            return Fetched("/new", 200, "text/html; charset=utf-8", PAGES["/new"])
        if path not in PAGES:
            return Fetched(path, 404, "text/html; charset=utf-8", "Not found")
        return Fetched(path, 200, "text/html; charset=utf-8", PAGES[path])

    return app, fetch, fetched


def test_follows_same_site_pages_at_most_n_per_endpoint_and_never_what_acts(site):
    app, fetch, fetched = site
    pages = crawl(fetch, app.url_map, "resident", per_endpoint=2)
    assert pages == [
        DemoPage("resident", "/", "home", 200),
        DemoPage("resident", "/items/1", "item", 200),
        DemoPage("resident", "/items/2", "item", 200),
        DemoPage("resident", "/new", "new", 200),  # reached through the redirect of /old
        DemoPage("resident", "/items/1/edit", "edit", 200),
        DemoPage("resident", "/missing", "<no endpoint>", 404),  # a broken link is a page the sweep must see
        DemoPage("resident", "/items/2/edit", "edit", 200),
    ]
    assert set(fetched) == {page.url for page in pages} - {"/new"} | {"/old"}


def test_a_variant_gives_each_kind_its_own_quota(site):
    app, fetch, _ = site
    odd_or_even = lambda endpoint, arguments: arguments.get("item_id", 0) % 2
    pages = crawl(fetch, app.url_map, "council", per_endpoint=1, variant=odd_or_even)
    assert [page.url for page in pages if page.endpoint == "item"] == ["/items/1", "/items/2"]


def test_a_link_that_fails_leaves_the_quota_of_its_endpoint_to_the_next(site):
    app, fetch, _ = site
    pages = crawl(fetch, app.url_map, "resident", ("/items/9", "/items/8", "/items/1"), per_endpoint=1,
                  max_pages=2)
    assert pages == [DemoPage("resident", "/items/9", "item", 404), DemoPage("resident", "/items/1", "item", 200)]


def test_start_pages_and_max_pages(site):
    app, fetch, _ = site
    pages = crawl(fetch, app.url_map, "auditor", ("/items/3", "/"), max_pages=2)
    assert [page.url for page in pages] == ["/items/3", "/"]


def test_links_reads_anchors_but_not_downloads():
    assert links('<p><a href="/a">a</a><a>no href</a><a href="/b" download="b.zip">b</a>'
                 '<link href="/c"><A HREF="/d">d</A></p>') == ["/a", "/d"]


def test_the_demo_crawled_with_the_test_client(app, client):
    from pbvote.demo import seed_demo

    seed_demo()
    pages = crawl(client_fetch(client, {"Accept-Language": "cy"}), app.url_map, "anonymous", ("/", "/no-such-page"))
    endpoints = {page.endpoint for page in pages}
    assert {"core.show_home", "rounds.show_round", "proposals.show_proposal", "results.show_results",
            "accounts.sign_in"} <= endpoints
    assert DemoPage("anonymous", "/no-such-page", "<no endpoint>", 404) in pages
    assert [page for page in pages if page.status >= 500] == []
    # Voting needs an account: the link to a ballot leads, through its redirect, to the sign-in page.
    assert any(page.url.startswith("/sign-in?next=") for page in pages)
