"""Workshops: waiting list, cancellation with moving up, invitations, attendance, result."""

from __future__ import annotations

import pytest

from nahraum.participation import models as pm
from nahraum.participation import services

from .conftest import make_user


def test_waiting_list_and_moving_up(world):
    ws = world.workshop_a  # capacity 2
    p = [make_user(f"w{i}") for i in range(4)]
    regs = [services.register_for_workshop(ws, u) for u in p]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting"]
    with pytest.raises(services.Refused):
        services.register_for_workshop(ws, p[0])
    moved = services.cancel_registration(regs[1])
    assert moved.pk == regs[2].pk  # the longest waiting moves up
    assert ws.confirmed_count == 2
    assert pm.Registration.objects.get(pk=regs[3].pk).status == "waiting"
    # Cancelling a waiting place frees nothing.
    assert services.cancel_registration(regs[3]) is None
    with pytest.raises(services.Refused):
        services.cancel_registration(regs[3])
    # Registering again after cancelling goes to the end of the queue.
    again = services.register_for_workshop(ws, p[1])
    assert again.pk == regs[1].pk and again.status == "waiting"


def test_more_capacity_moves_the_waiting_up(world, client):
    ws = world.workshop_a
    for i in range(3):
        services.register_for_workshop(ws, make_user(f"c{i}"))
    client.force_login(world.people["staff_a"])
    r = client.post(
        f"/de/participation/workshops/{ws.pk}/edit/",
        {
            "title": ws.title,
            "field": world.health.pk,
            "municipality": world.a.pk,
            "starts_at": ws.starts_at.strftime("%Y-%m-%dT%H:%M"),
            "place": "Rathaus",
            "capacity": 3,
            "registration_open": "on",
        },
    )
    assert r.status_code == 302
    assert ws.registrations.filter(status="waiting").count() == 0


def test_register_cancel_through_views(world, client):
    client.force_login(world.people["citizen"])
    url = world.workshop_a.get_absolute_url()
    r = client.post(url + "register/", {"group": world.group_a.pk}, follow=True)
    assert "Sie sind angemeldet" in r.content.decode()
    reg = pm.Registration.objects.get(user=world.people["citizen"])
    assert reg.group == world.group_a and reg.status == "confirmed"
    r = client.post(url + "cancel/", follow=True)
    assert "abgesagt" in r.content.decode()
    assert pm.Registration.objects.get(pk=reg.pk).status == "cancelled"


def test_registration_closed_when_flag_off(world, client):
    world.workshop_a.registration_open = False
    world.workshop_a.save()
    client.force_login(world.people["citizen"])
    assert client.post(world.workshop_a.get_absolute_url() + "register/").status_code == 403
    assert not pm.Registration.objects.exists()


def test_invitation_attendance_and_result(world, client):
    ws = world.workshop_a
    citizen = world.people["citizen"]
    other = make_user("otto")
    r1 = services.register_for_workshop(ws, citizen, world.group_a)
    r2 = services.register_for_workshop(ws, other)
    client.force_login(world.people["staff_a"])
    client.post(
        f"/de/participation/workshops/{ws.pk}/invite/",
        {"group": world.group_a.pk, "channel": "letter"},
    )
    assert pm.Invitation.objects.filter(workshop=ws, group=world.group_a).exists()
    # A second invitation of the same group is refused.
    r = client.post(
        f"/de/participation/workshops/{ws.pk}/invite/",
        {"group": world.group_a.pk, "channel": "email"},
        follow=True,
    )
    assert "nicht gespeichert" in r.content.decode()
    assert pm.Invitation.objects.count() == 1
    client.post(f"/de/participation/workshops/{ws.pk}/attendance/", {"attended": [r1.pk]})
    assert pm.Registration.objects.get(pk=r1.pk).attended is True
    assert pm.Registration.objects.get(pk=r2.pk).attended is False
    page = client.get(f"/de/participation/workshops/{ws.pk}/result/").content.decode()
    assert 'value="1"' in page  # participants counted from attendance
    r = client.post(
        f"/de/participation/workshops/{ws.pk}/result/",
        {
            "needs": "Hausarzt im Dorf",
            "ideas": "Telemedizin",
            "action_fields": "Versorgung\nMobilität",
            "groups_present": [world.group_a.pk],
            "participants_count": 1,
            "measures-TOTAL_FORMS": 2,
            "measures-INITIAL_FORMS": 0,
            "measures-0-title": "Gemeindeschwester",
            "measures-0-description": "Besuche",
            "measures-0-action_field": "Versorgung",
            "measures-0-field": world.health.pk,
            "measures-1-field": world.health.pk,  # an unused row, as the browser sends it
        },
    )
    assert r.status_code == 302
    result = pm.WorkshopResult.objects.get(workshop=ws)
    assert result.action_field_list == ["Versorgung", "Mobilität"]
    measure = result.proposed_measures.get()
    assert measure.title == "Gemeindeschwester"
    assert measure.municipality == world.a and measure.field == world.health
    assert measure.workshop == ws
    html = client.get(ws.get_absolute_url()).content.decode()
    assert "Gemeindeschwester" in html and "Seniorenrat Ahausen" in html
    # The group now counts as having taken part.
    from nahraum.participation.coverage import group_levels

    assert group_levels()[world.group_a.pk] == 3


def test_invitation_mailed_only_with_consent_and_answer_logged(world, client, mailoutbox):
    from datetime import date

    ws = world.workshop_a
    pm.Contact.objects.create(
        group=world.group_a,
        name="Frau Lind",
        email="lind@example.org",
        consent_given=True,
        consent_date=date(2026, 11, 1),
    )
    pm.Contact.objects.create(group=world.group_b, name="Herr Ohne", email="ohne@example.org")
    client.force_login(world.people["office"])
    client.post(
        f"/de/participation/workshops/{ws.pk}/invite/",
        {"group": world.group_a.pk, "channel": "email"},
    )
    client.post(
        f"/de/participation/workshops/{ws.pk}/invite/",
        {"group": world.group_b.pk, "channel": "email"},
    )
    assert [m.to for m in mailoutbox] == [["lind@example.org"]]
    assert ws.title in mailoutbox[0].body and "Frau Lind" in mailoutbox[0].body
    # Each invitation is logged as outreach (contacted), an acceptance as answered.
    assert pm.OutreachAction.objects.filter(workshop=ws, outcome="contacted").count() == 2
    invitation = pm.Invitation.objects.get(group=world.group_a)
    client.post(
        f"/de/participation/workshops/{ws.pk}/invitations/{invitation.pk}/",
        {"response": "accepted"},
    )
    assert pm.Invitation.objects.get(pk=invitation.pk).response == "accepted"
    assert pm.OutreachAction.objects.filter(group=world.group_a, outcome="answered").exists()
    client.post(
        f"/de/participation/workshops/{ws.pk}/invitations/{invitation.pk}/", {"response": "maybe"}
    )
    assert pm.Invitation.objects.get(pk=invitation.pk).response == "accepted"
    # Staff of the other municipality cannot record answers for this workshop.
    client.force_login(world.people["staff_b"])
    r = client.post(
        f"/de/participation/workshops/{ws.pk}/invitations/{invitation.pk}/",
        {"response": "declined"},
    )
    assert r.status_code == 403
