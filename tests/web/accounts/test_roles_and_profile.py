"""Council members manage roles in their own organisation only; everyone edits their own profile."""

from __future__ import annotations

from sqlalchemy import select

from pbvote.accounts.models import Role, RoleGrant

MEMBERS = "/organisations/testville/members"


def grant(client, email, role, org_slug="testville"):
    return client.post_form(
        f"/organisations/{org_slug}/members/roles", {"email": email, "role": role}
    )


def revoke(client, grant_id, org_slug="testville"):
    return client.post_form(f"/organisations/{org_slug}/members/roles/{grant_id}/revoke")


def test_council_member_makes_a_resident_moderator_then_takes_it_back(client, create_user, auth, db, organisation):
    council = create_user(email="chair@example.org", roles=("council",))
    resident = create_user(email="helper@example.org", display_name="Hana Helper")
    auth.login(council)

    response = grant(client, "Helper@example.org", "moderator")

    assert response.status_code == 303 and response.headers["Location"] == MEMBERS
    db.session.refresh(resident)
    assert resident.has_role(Role.MODERATOR, organisation.id)
    (moderator_grant,) = [g for g in resident.role_grants if g.role == "moderator"]
    assert moderator_grant.granted_by_id == council.id
    page = client.get(MEMBERS).get_data(as_text=True)
    assert "Hana Helper is now moderator in Testville Council." in page

    assert revoke(client, moderator_grant.id).status_code == 303
    db.session.expire_all()
    assert not resident.has_role(Role.MODERATOR, organisation.id)
    assert resident.has_role(Role.RESIDENT, organisation.id)


def test_new_moderator_sees_nothing_of_the_members_page(client, create_user, auth):
    auth.login(create_user(roles=("moderator",)))
    assert client.get(MEMBERS).status_code == 403


def test_council_of_another_organisation_cannot_grant_here(
    client, create_user, create_organisation, auth, db, organisation
):
    elsewhere = create_organisation(slug="elsewhere", name="Elsewhere Council")
    outsider = create_user(email="outsider@example.org", roles=("council",), organisation=elsewhere)
    resident = create_user(email="helper@example.org")
    auth.login(outsider)

    assert client.get(MEMBERS).status_code == 403
    assert grant(client, resident.email, "council", org_slug="testville").status_code == 403
    db.session.refresh(resident)
    assert not resident.has_role(Role.COUNCIL)


def test_residents_and_anonymous_visitors_cannot_grant(client, create_user, auth, db):
    resident = create_user(email="ambitious@example.org")
    anonymous = grant(client, resident.email, "council")
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["Location"]

    auth.login(resident)
    assert grant(client, resident.email, "council").status_code == 403
    db.session.refresh(resident)
    assert not resident.has_role(Role.COUNCIL)


def test_council_cannot_grant_roles_to_members_of_another_organisation(
    client, create_user, create_organisation, auth, db
):
    elsewhere = create_organisation(slug="elsewhere", name="Elsewhere Council")
    stranger = create_user(email="stranger@example.org", organisation=elsewhere)
    auth.login(create_user(roles=("council",)))

    response = grant(client, stranger.email, "auditor")

    assert response.status_code == 200
    assert "No member of Testville Council has that email address." in response.get_data(as_text=True)
    assert db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == stranger.id, RoleGrant.role == "auditor")) is None


def test_council_cannot_revoke_a_grant_of_another_organisation(client, create_user, create_organisation, auth, db):
    elsewhere = create_organisation(slug="elsewhere", name="Elsewhere Council")
    their_moderator = create_user(roles=("moderator",), organisation=elsewhere)
    grant_id = their_moderator.role_grants[0].id
    auth.login(create_user(roles=("council",)))

    response = revoke(client, grant_id)

    assert response.status_code == 303
    assert "That role grant does not exist." in client.get(MEMBERS).get_data(as_text=True)
    assert db.session.get(RoleGrant, grant_id) is not None


def test_the_last_council_member_cannot_be_removed(client, create_user, auth, db):
    council = create_user(roles=("council",))
    auth.login(council)
    council_grant = council.role_grants[0].id

    revoke(client, council_grant)

    assert "at least one council member" in client.get(MEMBERS).get_data(as_text=True)
    assert db.session.get(RoleGrant, council_grant) is not None


def test_granting_a_role_twice_or_an_unknown_role_is_explained(client, create_user, auth):
    auth.login(create_user(roles=("council",)))
    create_user(email="mod@example.org", display_name="Mo Moderator", roles=("moderator",))

    twice = grant(client, "mod@example.org", "moderator")
    assert twice.status_code == 200 and "already holds the role moderator" in twice.get_data(as_text=True)
    unknown = grant(client, "mod@example.org", "emperor")
    assert unknown.status_code == 200 and "Not a valid choice" in unknown.get_data(as_text=True)


def test_navigation_shows_council_links_only_to_council(client, create_user, auth):
    auth.login(create_user(roles=("resident",)))
    assert MEMBERS not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(create_user(roles=("council",)))
    assert f'href="{MEMBERS}"' in client.get("/").get_data(as_text=True)


def test_resident_edits_display_name_and_district(client, create_user, auth, db):
    user = create_user(display_name="Old Name")
    auth.login(user)

    response = client.post_form(
        "/account/profile", {"display_name": "  New Name ", "district": "Riverside"}, token_page="/account/profile"
    )

    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.display_name, user.district) == ("New Name", "Riverside")
    assert "Your profile has been saved." in client.get("/account/profile").get_data(as_text=True)


def test_profile_refuses_an_empty_name_and_keeps_the_old_one(client, create_user, auth, db):
    user = create_user(display_name="Kept Name")
    auth.login(user)

    response = client.post_form("/account/profile", {"display_name": "   ", "district": "x" * 101},
                                token_page="/account/profile")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the name others will see." in page and "Use at most 100 characters." in page
    assert 'id="display_name-error"' in page
    db.session.refresh(user)
    assert user.display_name == "Kept Name"


def test_profile_shows_the_languages_each_in_itself_with_the_current_one_chosen(client, create_user, auth):
    auth.login(create_user())

    page = client.get("/account/profile", headers={"Accept-Language": "pl"}).get_data(as_text=True)

    select_ = page[page.index('id="language" name="language">'):]
    select_ = select_[:select_.index("</select>")]
    assert '<option lang="en-GB" value="en_GB">English</option>' in select_
    assert '<option lang="cy" value="cy">Cymraeg</option>' in select_
    assert '<option lang="pl" selected value="pl">Polski</option>' in select_  # not chosen yet: the page's language


def test_the_language_is_saved_with_the_profile_and_the_site_follows_it(client, create_user, auth, db):
    user = create_user(display_name="Siân")
    auth.login(user)

    response = client.post_form("/account/profile", {"display_name": "Siân", "district": "", "language": "cy"},
                                token_page="/account/profile")

    assert response.status_code == 303
    db.session.refresh(user)
    assert user.language == "cy"
    page = client.get("/account/profile").get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert "Mae eich proffil wedi’i gadw." in page  # "Your profile has been saved." (i18n-accounts cy.po)
    assert '<option lang="cy" selected value="cy">Cymraeg</option>' in page


def test_the_profile_refuses_a_language_pbvote_does_not_speak(client, create_user, auth, db):
    user = create_user(language="pl")
    auth.login(user)

    response = client.post_form("/account/profile", {"display_name": "Name", "language": "de"},
                                token_page="/account/profile")

    assert response.status_code == 200 and 'id="language-error"' in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.language == "pl"
