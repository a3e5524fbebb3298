"""Issue 12: the login throttle on every path, per account, by normalised name; look-alike names;
tokens that cannot re-activate a disabled account.

Each test reproduces one finding of the security probe (items 1–4) over the test client, i.e.
through the same URLs, forms, backend and middleware as a browser or a script.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from nahraum.accounts import throttle
from nahraum.accounts.models import User
from nahraum.accounts.tokens import email_confirmation_tokens, password_reset_tokens
from nahraum.accounts.usernames import skeleton

PASSWORD = "Wiesenweg-Lemgo-77"
LOGIN = "/de/accounts/login/"


def _client(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- item 1: the admin login is throttled like the site's -------------------------------------


@pytest.mark.django_db
def test_admin_login_is_throttled():
    User.objects.create_superuser("chefin", "chefin@example.org", PASSWORD)
    client = _client("203.0.113.5")
    for _ in range(throttle.LOGIN_FAILURES_ALLOWED):
        r = client.post("/de/admin/login/", {"username": "chefin", "password": "falsch"})
        assert r.status_code == 200 and not _logged_in(client)
    r = client.post("/de/admin/login/", {"username": "chefin", "password": PASSWORD})
    assert not _logged_in(client)
    assert "Zu viele Fehlversuche" in r.content.decode()


@pytest.mark.django_db
def test_admin_and_site_share_one_budget():
    """Failures on one login path count on the other: one throttle, not one per form."""
    User.objects.create_user("hans", "h@example.org", PASSWORD)
    client = _client("203.0.113.6")
    for path in ["/de/admin/login/", LOGIN] * 3:
        client.post(path, {"username": "hans", "password": "falsch"})
    assert client.post(LOGIN, {"username": "hans", "password": PASSWORD}).status_code == 429


# --- item 2: a limit per account, whatever the address ----------------------------------------


@pytest.mark.django_db
def test_many_addresses_cannot_guess_one_account_without_limit():
    User.objects.create_user("ziel", "ziel@example.org", PASSWORD)
    tried = 0
    for i in range(20):  # 20 addresses × 4 guesses, each below the per-address limit
        client = _client(f"198.51.100.{i + 1}")
        for _ in range(4):
            client.post(LOGIN, {"username": "ziel", "password": f"falsch-{tried}"})
            tried += 1
    fresh = _client("198.51.100.200")
    r = fresh.post(LOGIN, {"username": "ziel", "password": PASSWORD})
    assert r.status_code == 429 and not _logged_in(fresh)
    assert "Gerät" in r.content.decode()  # says how the owner still gets in


@pytest.mark.django_db
def test_the_owner_still_logs_in_on_a_known_device_and_a_reset_unlocks():
    """The per-account lock cannot lock the owner out: a browser that logged in before keeps
    working, and a password reset by mail lifts the lock for every browser."""
    User.objects.create_user("ziel", "ziel@example.org", PASSWORD)
    owner = _client("192.0.2.10")
    assert owner.post(LOGIN, {"username": "ziel", "password": PASSWORD}).status_code == 302
    assert throttle.DEVICE_COOKIE in owner.cookies
    owner.post("/de/accounts/logout/")
    for i in range(throttle.LOGIN_FAILURES_PER_ACCOUNT):
        _client(f"198.51.100.{i + 1}").post(LOGIN, {"username": "ziel", "password": "x"})
    stranger = _client("198.51.100.250")
    assert stranger.post(LOGIN, {"username": "ziel", "password": PASSWORD}).status_code == 429
    assert owner.post(LOGIN, {"username": "ziel", "password": PASSWORD}).status_code == 302
    # A forged or foreign device cookie does not exempt anybody.
    forger = _client("198.51.100.251")
    forger.cookies[throttle.DEVICE_COOKIE] = "ziel:abc"
    assert forger.post(LOGIN, {"username": "ziel", "password": PASSWORD}).status_code == 429
    # Unlock by mail: the new owner's browser resets the password and logs in.
    phone = _client("192.0.2.77")
    assert phone.post("/de/accounts/password-reset/", {"email": "ziel@example.org"}).status_code
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    r = phone.get(link, follow=True)
    new = "Neues-Passwort-2026"
    phone.post(r.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert phone.post(LOGIN, {"username": "ziel", "password": new}).status_code == 302
    assert stranger.post(LOGIN, {"username": "ziel", "password": "x"}).status_code == 200


@pytest.mark.django_db
def test_lock_answers_alike_for_names_without_an_account():
    """The per-account lock does not reveal whether a name has an account."""
    User.objects.create_user("echt", "echt@example.org", PASSWORD)
    pages = {}
    for name in ("echt", "erfunden"):
        for i in range(throttle.LOGIN_FAILURES_PER_ACCOUNT):
            _client(f"198.51.100.{i + 1}").post(LOGIN, {"username": name, "password": "x"})
        r = _client("198.51.100.240").post(LOGIN, {"username": name, "password": "y"})
        pages[name] = (r.status_code, r.content.decode().replace(name, "NAME"))
    assert pages["echt"][0] == pages["erfunden"][0] == 429
    assert re.sub(r"csrfmiddlewaretoken\" value=\"\w+", "", pages["echt"][1]) == re.sub(
        r"csrfmiddlewaretoken\" value=\"\w+", "", pages["erfunden"][1]
    )


# --- item 3: look-alike spellings ------------------------------------------------------------


@pytest.mark.django_db
def test_fullwidth_spelling_counts_on_the_same_account():
    User.objects.create_user("sec-throttle-1", "s@example.org", PASSWORD)
    client = _client("203.0.113.9")
    for _ in range(throttle.LOGIN_FAILURES_ALLOWED):
        client.post(LOGIN, {"username": "sec-throttle-1", "password": "falsch"})
    # Django authenticates the NFKC form, so the fullwidth s reaches the same account …
    r = client.post(LOGIN, {"username": "ｓec-throttle-1", "password": PASSWORD})
    # … and the throttle, counting the same form, refuses it.
    assert r.status_code == 429 and not _logged_in(client)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookalike",
    ["dеmo-moderation", "Demo-Moderation", "ｄemo-moderation", "demo‐moderation"],
    ids=["cyrillic-e", "case", "fullwidth", "unicode-hyphen"],
)
def test_lookalike_usernames_are_refused(client, lookalike):
    User.objects.create_user("demo-moderation", "m@example.org", PASSWORD)
    r = client.post(
        "/de/accounts/register/",
        {
            "username": lookalike,
            "email": "neu@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
        },
    )
    assert "sieht aus wie der Name eines bestehenden Kontos" in r.content.decode()
    assert User.objects.count() == 1 and not mail.outbox


@pytest.mark.django_db
def test_distinct_names_are_still_accepted(client):
    User.objects.create_user("demo-moderation", "m@example.org", PASSWORD)
    r = client.post(
        "/de/accounts/register/",
        {
            "username": "demo-moderator",
            "email": "neu@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
        },
    )
    assert r.status_code == 200 and User.objects.filter(username="demo-moderator").exists()


def test_skeletons_follow_unicode_confusables():
    assert skeleton("paypal") == skeleton("pаypаl")  # Cyrillic а
    assert skeleton("Iris") == skeleton("lris")  # capital I looks like l
    assert skeleton("rn") == skeleton("m")
    assert skeleton("greta") != skeleton("grete")


@pytest.mark.django_db
def test_skeleton_is_kept_on_every_save():
    user = User.objects.create_user("anna", "a@example.org", PASSWORD)
    assert user.username_skeleton == skeleton("anna")
    user.username = "Anna-Lena"
    user.save(update_fields=["username"])
    assert User.objects.get(pk=user.pk).username_skeleton == skeleton("Anna-Lena")


# --- item 4: separate tokens, no re-activation of a disabled account ------------------------


def _uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


@pytest.mark.django_db
def test_reset_token_does_not_confirm_or_reactivate(client):
    user = User.objects.create_user("weg", "weg@example.org", PASSWORD)
    user.is_active = False  # disabled by staff
    user.save()
    reset_token = password_reset_tokens.make_token(user)
    r = client.get(f"/de/accounts/confirm/{_uid(user)}/{reset_token}/")
    assert r.status_code == 400
    assert not User.objects.get(pk=user.pk).is_active and not _logged_in(client)


@pytest.mark.django_db
def test_confirmation_token_does_not_reactivate_a_disabled_account(client):
    user = User.objects.create_user("weg", "weg@example.org", PASSWORD)
    assert user.email_confirmed_at is not None  # created active = nothing to confirm
    user.is_active = False
    user.save()
    token = email_confirmation_tokens.make_token(user)
    assert client.get(f"/de/accounts/confirm/{_uid(user)}/{token}/").status_code == 400
    assert not User.objects.get(pk=user.pk).is_active


@pytest.mark.django_db
def test_disabling_voids_reset_links_sent_before(client):
    user = User.objects.create_user("weg", "weg@example.org", PASSWORD)
    token = password_reset_tokens.make_token(user)
    user.is_active = False
    user.save()
    r = client.get(f"/de/accounts/password-reset/{_uid(user)}/{token}/", follow=True)
    assert "ungültig" in r.content.decode() or r.context.get("validlink") is False
    assert not password_reset_tokens.check_token(User.objects.get(pk=user.pk), token)


@pytest.mark.django_db
def test_confirmation_link_works_once(client):
    client.post(
        "/de/accounts/register/",
        {
            "username": "greta",
            "email": "greta@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_privacy": "on",
        },
    )
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert client.get(link).status_code == 302
    client.post("/de/accounts/logout/")
    user = User.objects.get(username="greta")
    user.is_active = False  # later disabled
    user.save()
    assert client.get(link).status_code == 400
    assert not User.objects.get(username="greta").is_active
