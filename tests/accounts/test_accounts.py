"""Accounts: register and confirm by email, log in (throttled), reset the password, profile with
consented demographics, and GDPR self-service (download, delete with contributions kept)."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from nahraum.accounts.models import User

PASSWORD = "Wiesenweg-Lemgo-77"


def _register(client, **extra):
    data = {
        "username": "greta",
        "email": "greta@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_privacy": "on",
        **extra,
    }
    return client.post("/de/accounts/register/", data)


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.mark.django_db
def test_register_confirm_and_login(client):
    r = _register(client)
    assert r.status_code == 200 and "greta@example.org" in r.content.decode()
    user = User.objects.get(username="greta")
    assert not user.is_active and user.role == "citizen"
    assert len(mail.outbox) == 1
    # Before confirming, the login is refused with a hint.
    r = client.post("/de/accounts/login/", {"username": "greta", "password": PASSWORD})
    assert "bestätigen Sie zuerst" in r.content.decode()
    r = client.get(_link(mail.outbox[0]), follow=True)
    assert "bestätigt" in r.content.decode()
    assert User.objects.get(username="greta").is_active
    assert r.context["user"].is_authenticated
    client.post("/de/accounts/logout/")
    r = client.post("/de/accounts/login/", {"username": "greta", "password": PASSWORD})
    assert r.status_code == 302


@pytest.mark.django_db
def test_bad_confirmation_link(client):
    _register(client)
    link = _link(mail.outbox[0])
    r = client.get(link[:-3] + "xyz/")
    assert r.status_code == 400
    assert not User.objects.get(username="greta").is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra,needle",
    [
        ({"website": "spam"}, "automatisch ausgefüllt"),
        ({"password2": "anders-123-XY"}, "stimmen nicht überein"),
        ({"password1": "123", "password2": "123"}, "zu kurz"),
        ({"email": "kein-email"}, "gültige E-Mail-Adresse"),
        ({"username": ""}, "zwingend erforderlich"),
        ({"username": "<script>alert(1)</script>"}, "Benutzernamen"),
        ({"accept_privacy": ""}, "zwingend erforderlich"),
    ],
)
def test_registration_refuses_bad_input(client, extra, needle):
    r = _register(client, **extra)
    assert needle in r.content.decode()
    assert "<script>alert(1)</script>" not in r.content.decode()
    assert not User.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_duplicate_email_answered_like_a_new_one(client):
    """Issue 12, item 8: the page does not tell whether an address has an account; the owner
    gets a mail instead (as password reset does)."""
    User.objects.create_user("first", "greta@example.org", PASSWORD)
    taken = _register(client, email="GRETA@example.org")
    fresh = _register(client, username="gustav", email="gustav@example.org")
    assert taken.status_code == fresh.status_code == 200
    for r in (taken, fresh):
        assert "accounts/register_done.html" in [t.name for t in r.templates]
    assert taken.content.decode().replace("greta", "X") == fresh.content.decode().replace(
        "gustav", "X"
    )
    assert "existiert bereits" not in taken.content.decode()
    assert User.objects.filter(email__iexact="greta@example.org").count() == 1
    assert not User.objects.filter(username="greta").exists()
    to_owner = [m for m in mail.outbox if m.to == ["greta@example.org"]]
    assert len(to_owner) == 1 and "/de/accounts/password-reset/" in to_owner[0].body


@pytest.mark.django_db
def test_login_throttled_after_repeated_failures(client):
    User.objects.create_user("hans", "h@example.org", PASSWORD)
    for _ in range(5):
        assert (
            client.post(
                "/de/accounts/login/", {"username": "hans", "password": "falsch"}
            ).status_code
            == 200
        )
    r = client.post("/de/accounts/login/", {"username": "hans", "password": PASSWORD})
    assert r.status_code == 429
    assert "Zu viele Fehlversuche" in r.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset(client):
    User.objects.create_user("ida", "ida@example.org", PASSWORD)
    r = client.post("/de/accounts/password-reset/", {"email": "ida@example.org"})
    assert r.status_code == 302
    link = _link(mail.outbox[0])
    r = client.get(link, follow=True)
    form_url = r.redirect_chain[-1][0]
    new = "Neues-Passwort-2026"
    r = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert r.status_code == 302
    assert User.objects.get(username="ida").check_password(new)


@pytest.mark.django_db
def test_profile_consent_controls_demographics(client, tiny_region):
    from nahraum.region.models import District

    user = User.objects.create_user("jo", "jo@example.org", PASSWORD)
    client.force_login(user)
    a2 = District.objects.get(key="A2")
    client.post(
        "/de/accounts/profile/",
        {"demographics_consent": "on", "age_band": "75+", "district": a2.pk},
    )
    user.refresh_from_db()
    assert (user.age_band, user.district) == ("75+", a2)
    # Withdrawing consent deletes the values.
    client.post("/de/accounts/profile/", {"age_band": "75+", "district": a2.pk})
    user.refresh_from_db()
    assert (user.demographics_consent, user.age_band, user.district) == (False, "", None)
    r = client.post("/de/accounts/profile/", {"demographics_consent": "on", "age_band": "120+"})
    assert r.status_code == 200 and "gültige Auswahl" in r.content.decode()


@pytest.mark.django_db
def test_download_and_delete_keep_contributions_anonymised(client, tiny_region):
    from nahraum.participation import models as pm
    from nahraum.region.models import InnovationField

    health = InnovationField.objects.get(key="health")
    user = User.objects.create_user("kai", "kai@example.org", PASSWORD)
    other = User.objects.create_user("lea", "lea@example.org", PASSWORD)
    idea = pm.Idea.objects.create(author=user, title="Meine Idee", text="t", field=health)
    pm.Comment.objects.create(idea=idea, author=other, text="Antwort von Lea")
    pm.Support.objects.create(idea=idea, user=user)
    client.force_login(user)
    data = json.loads(client.get("/de/accounts/profile/data.json").content)
    assert data["account"]["email"] == "kai@example.org"
    assert data["participation"]["ideas"][0]["title"] == "Meine Idee"
    assert len(data["participation"]["supports"]) == 1
    # A wrong password does not delete.
    client.post("/de/accounts/profile/delete/", {"password": "falsch"})
    assert User.objects.filter(username="kai").exists()
    client.post("/de/accounts/profile/delete/", {"password": PASSWORD})
    assert not User.objects.filter(username="kai").exists()
    idea.refresh_from_db()
    assert idea.author is None and idea.supports.count() == 1
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "gelöschtes Konto" in html and "kai" not in html and "Antwort von Lea" in html


@pytest.mark.django_db
def test_logout_only_by_post(client):
    user = User.objects.create_user("max", "max@example.org", PASSWORD)
    client.force_login(user)
    assert client.get("/de/accounts/logout/").status_code == 200
    assert "_auth_user_id" in client.session
    client.post("/de/accounts/logout/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_forms_carry_csrf_protection(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    r = strict.post("/de/accounts/register/", {"username": "x"})
    assert r.status_code == 403
    assert "csrfmiddlewaretoken" in client.get("/de/accounts/register/").content.decode()


@pytest.mark.django_db
def test_login_throttled_per_address_across_usernames(client, settings):
    from nahraum.accounts import throttle

    User.objects.create_user("olaf", "o@example.org", PASSWORD)
    for i in range(throttle.LOGIN_FAILURES_PER_ADDRESS):
        client.post("/de/accounts/login/", {"username": f"guess{i}", "password": "x"})
    r = client.post("/de/accounts/login/", {"username": "olaf", "password": PASSWORD})
    assert r.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_mails_are_limited(client):
    User.objects.create_user("pia", "pia@example.org", PASSWORD)
    for _ in range(5):
        assert (
            client.post("/de/accounts/password-reset/", {"email": "pia@example.org"}).status_code
            == 302
        )
    r = client.post("/de/accounts/password-reset/", {"email": "pia@example.org"})
    assert r.status_code == 429 and "Zu viele Anfragen" in r.content.decode()
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_admin_link_follows_the_use_admin_permission(client):
    """The header's link to the administration is asked through perms, not ``user.is_staff``."""
    citizen = User.objects.create_user("jan", "jan@example.org", PASSWORD)
    admin = User.objects.create_user("ina", "ina@example.org", PASSWORD, is_staff=True)
    client.force_login(citizen)
    assert "/de/admin/" not in client.get("/de/accounts/profile/").content.decode()
    client.force_login(admin)
    assert "/de/admin/" in client.get("/de/accounts/profile/").content.decode()
    admin.is_active = False
    assert not admin.has_perm("accounts.use_admin")
