"""The XSS corpus (tests/fixtures/xss_payloads.json) through every text field, rendered in Chromium.

Every payload goes through the real forms (test client, CSRF included) into each text field of deliberation —
comment, reply, edited comment, flag details, appeal, moderation reason, block justification — and of proposals —
title, summary, description, location, cost line, withdrawal reason, review reason, exclusion group name. Then
Chromium opens every page that shows them, full and as htmx partials (with ``HX-Request``), and also lets htmx
itself swap payload-bearing partials in (reply, edit, post). Passing means: no dialog opened (nothing ran), no
Content-Security-Policy violation reported, and no element carrying an event handler, a script of its own or a
``javascript:``/``data:``/``vbscript:`` link anywhere in the document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pbvote.deliberation.models import Comment
from pbvote.extensions import db
from pbvote.proposals.models import Proposal
from pbvote.rounds.models import Round
from tests.web.proposals.factories import make_round

PAYLOADS = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "xss_payloads.json").read_text())

#: Listens before any page script runs; Playwright injects it through the DevTools protocol, not inline.
WATCHER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__csp.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + (event.sample || ''));
});
"""
#: What the document must not contain, whatever the payloads were.
DOM_CHECK = """
() => {
  const problems = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.trim().toLowerCase().replace(/[\\s\\u0000-\\u001f]/g, '');
      if (name.startsWith('on')) problems.push(element.tagName + ' ' + name);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && /^(javascript|vbscript|data):/.test(value)) problems.push(element.tagName + ' ' + name + '=' + value);
    }
  }
  // pbvote's own icons are the one kind of svg allowed: exactly one <use> of a symbol of the vendored sprite.
  for (const icon of document.querySelectorAll('main svg.icon')) {
    const uses = icon.querySelectorAll('*');
    if (uses.length !== 1 || uses[0].tagName !== 'use' || icon.attributes.length !== 3
        || !(uses[0].getAttribute('href') || '').startsWith('/static/icons/sprite.svg#')) {
      problems.push('element svg.icon ' + icon.outerHTML);
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'svg:not(.icon)', 'math', 'base', 'meta[http-equiv]', 'style', 'img', 'form[action^="javascript"]']) {
    for (const element of document.querySelectorAll('main ' + tag)) problems.push('element ' + tag);
  }
  const scripts = [...document.scripts].map((s) => s.getAttribute('src') || 'inline');
  if (scripts.some((src) => !src.startsWith('/static/'))) problems.push('script ' + scripts.join(','));
  return problems;
}
"""


@pytest.fixture
def app_config() -> dict:
    """No rate limits: ten people sign in within a minute from 127.0.0.1 and post hundreds of comments (the
    limits have tests of their own)."""
    return {"RATELIMIT_ENABLED": False}


class Browser:
    """Chromium contexts that record dialogs and CSP violations, and check every page they open."""

    def __init__(self, playwright_browser, live_server):
        self._browser = playwright_browser
        self._base = live_server.base_url
        self.dialogs: list[str] = []
        self.problems: list[str] = []
        self.pages = 0
        self._contexts = []

    def page(self, *, htmx: bool = False, user=None):
        headers = {"HX-Request": "true"} if htmx else {}
        context = self._browser.new_context(base_url=self._base, extra_http_headers=headers)
        context.set_default_timeout(15_000)
        context.add_init_script(WATCHER)
        self._contexts.append(context)
        page = context.new_page()
        page.on("dialog", self._on_dialog)
        if user is not None:
            page.goto("/sign-in")
            page.locator("input[name=email]").fill(user.email)
            page.locator("input[name=password]").fill(user.password)
            page.get_by_role("main").get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/sign-in" not in url)
        return page

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, page, where: str) -> None:
        """Record the CSP violations and dangerous DOM of the page as it is now."""
        for violation in page.evaluate("window.__csp || []"):
            self.problems.append(f"{where}: CSP {violation}")
        for problem in page.evaluate(DOM_CHECK):
            self.problems.append(f"{where}: {problem}")

    def visit(self, page, path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        page.wait_for_timeout(20)  # let autofocus, load triggers and animations fire if anything slipped in
        self.pages += 1
        self.check(page, path)

    def close(self) -> None:
        for context in self._contexts:
            context.close()


class Poster:
    """One person's test client posting the real forms with a CSRF token."""

    def __init__(self, app, auth, user):
        self.client = app.test_client()
        auth.login(user, client=self.client)
        self.token = self.client.csrf_token()

    def post(self, path: str, data: dict, expect: int = 303):
        response = self.client.post(path, data={**data, "csrf_token": self.token})
        assert response.status_code == expect, f"{path}: {response.status_code} {response.get_data(as_text=True)[:300]}"
        return response


def _submit_proposals(round_: Round, alice) -> list[Proposal]:
    district = round_.districts[0].id
    for payload in PAYLOADS:
        alice.post(f"/rounds/{round_.id}/proposals/new", {
            "title": payload[:150], "summary": payload[:500], "description": payload, "location": payload[:200],
            "district_id": str(district), "category_id": "",
            "cost_items-0-description": payload[:200], "cost_items-0-amount": "2000",
        })
    return list(db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.id)))


def _discuss(proposals, payloads, bob, carol, dave, moderator) -> list[Comment]:
    """Every deliberation text field, one payload per proposal; returns bob's comments."""
    comments = []
    for proposal, payload in zip(proposals, payloads, strict=True):
        bob.post(f"/proposals/{proposal.id}/comments", {"stance": "for", "body": payload})
        first = db.session.scalar(select(Comment).where(Comment.proposal_id == proposal.id).order_by(Comment.id))
        carol.post(f"/proposals/{proposal.id}/comments", {"stance": "against", "body": payload, "parent_id": first.id})
        reply = db.session.scalar(select(Comment).where(Comment.parent_id == first.id))
        dave.post(f"/proposals/{proposal.id}/comments", {"stance": "question", "body": payload, "parent_id": reply.id})
        bob.post(f"/comments/{first.id}/edit", {"stance": "neutral", "body": f"Edited: {payload}"})
        dave.post(f"/comments/{first.id}/flag", {"reason": "other", "details": payload[:1000]})
        moderator.post(f"/comments/{reply.id}/moderate", {"decision": "hidden", "reason": payload[:1000]})
        carol.post(f"/comments/{reply.id}/appeal", {"text": payload[:1000]})
        comments.append(first)
    # Blocks last: a blocked person cannot post any more.
    for comment, payload in zip(comments, payloads, strict=True):
        question = db.session.scalar(select(Comment).where(Comment.root_id == comment.id, Comment.depth == 3))
        moderator.post(f"/comments/{question.id}/block", {"days": "1", "justification": payload[:1000]})
    return comments


def test_no_payload_runs_on_any_page_or_partial(app, auth, create_user, organisation, playwright_browser, live_server):
    people = {name: create_user(email=f"{name}@example.org", display_name=name.capitalize())
              for name in ("alice", "bob", "carol", "dave")}
    people["moderator"] = create_user(email="mod@example.org", roles=("resident", "moderator"))
    people["council"] = create_user(email="council@example.org", roles=("council",))
    posters = {name: Poster(app, auth, user) for name, user in people.items()}
    round_ = make_round(organisation, min_cost=100, max_cost=50_000_00)

    proposals = _submit_proposals(round_, posters["alice"])
    assert len(proposals) == len(PAYLOADS)
    comments = _discuss(proposals, PAYLOADS, posters["bob"], posters["carol"], posters["dave"], posters["moderator"])
    # Proposal fields of the later phases: withdrawal reasons, then (in review) decisions and exclusion groups.
    withdrawn = proposals[::7]
    for proposal, payload in zip(withdrawn, PAYLOADS[::7], strict=True):
        posters["alice"].post(f"/proposals/{proposal.id}/withdraw", {"reason": payload})
    db.session.get(Round, round_.id).state = "review"
    db.session.commit()
    reviewable = [p for p in proposals if p not in withdrawn]
    for index, proposal in enumerate(reviewable):
        payload = PAYLOADS[index]
        posters["council"].post(f"/proposals/{proposal.id}/review", {
            "review-decision": "not_feasible" if index % 2 else "feasible", "review-reason": payload[:2000]})
    feasible = reviewable[::2]
    for index in range(0, 12, 2):
        posters["council"].post(f"/rounds/{round_.id}/exclusion-groups", {
            "name": PAYLOADS[index][:200], "proposal_ids": [str(feasible[index].id), str(feasible[index + 1].id)]})

    browser = Browser(playwright_browser, live_server)
    try:
        anonymous, partials = browser.page(), browser.page(htmx=True)
        pages = -(-len(proposals) // 20)
        for number in range(1, pages + 1):
            browser.visit(anonymous, f"/rounds/{round_.id}/proposals?page={number}")
            browser.visit(partials, f"/rounds/{round_.id}/proposals?page={number}&sort=discussed")
        for index, (proposal, comment) in enumerate(zip(proposals, comments, strict=True)):
            browser.visit(anonymous, f"/proposals/{proposal.id}")
            browser.visit(partials, f"/proposals/{proposal.id}/discussion")
            browser.visit(anonymous, f"/comments/{comment.id}/versions")
            if index % 3 == 0:  # the same fields as the proposal page, in the revisions' table
                browser.visit(anonymous, f"/proposals/{proposal.id}/revisions")
        browser.visit(anonymous, f"/rounds/{round_.id}/moderation-log")
        browser.visit(anonymous, f"/rounds/{round_.id}/moderation-log?before={10**6}")

        moderator = browser.page(user=people["moderator"])
        browser.visit(moderator, f"/rounds/{round_.id}/moderation")
        for comment in comments[:5]:
            browser.visit(moderator, f"/comments/{comment.id}/moderate")
        council = browser.page(user=people["council"])
        browser.visit(council, f"/rounds/{round_.id}/exclusion-groups")
        for name in ("carol", "dave"):
            reader = browser.page(user=people[name])
            browser.visit(reader, "/notifications")
            browser.visit(reader, "/notifications?before=1000000")
            browser.visit(reader, f"/proposals/{feasible[0].id}")  # dave sees his block justification here
        carol = browser.page(user=people["carol"])
        for comment in comments[:5]:
            reply = db.session.scalar(select(Comment).where(Comment.parent_id == comment.id))
            browser.visit(carol, f"/comments/{reply.id}/appeal")

        # htmx swaps payload-bearing partials into a live page: the reply form, the edit form, a new post.
        bob = browser.page(user=people["bob"])
        for proposal in feasible[:6]:
            browser.visit(bob, f"/proposals/{proposal.id}")
            bob.get_by_role("link", name="Edit", exact=True).first.click()
            bob.locator("form.comment-form--edit textarea").wait_for()
            bob.get_by_role("link", name="Reply", exact=True).first.click()
            bob.locator("form.comment-form--reply").first.wait_for()
            browser.check(bob, f"htmx edit/reply on {proposal.id}")
        browser.visit(bob, f"/proposals/{feasible[0].id}")
        # Every payload was already posted and its discussion partial opened above; these go through htmx itself.
        for payload in PAYLOADS[::6]:
            bob.locator("#body-new").fill(payload)
            bob.locator("#stance-new-question").check()
            with bob.expect_response(lambda r: r.request.method == "POST" and "/comments" in r.url):
                bob.get_by_role("button", name="Post comment").click()
            expect(bob.locator("#body-new")).to_have_value("")  # the swapped-in discussion has a fresh form
            browser.check(bob, f"htmx post of {payload[:30]!r}")
    finally:
        browser.close()

    assert browser.pages > 3 * len(PAYLOADS)
    assert browser.dialogs == [], f"payloads ran: {browser.dialogs[:10]}"
    assert browser.problems == [], "\n".join(browser.problems[:40])
