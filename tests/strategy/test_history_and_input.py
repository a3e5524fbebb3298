"""Status history cannot be rewritten; bad input is refused with a clear error and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from nahraum.strategy.models import (
    HistoryIsAppendOnly,
    IndicatorTarget,
    Measure,
    Milestone,
    Project,
    StatusChange,
)
from nahraum.strategy.services import attach_target, change_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the msgids); German is tested on the pages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def measure(goal, tiny_region):
    from nahraum.region.models import Municipality

    return Measure.objects.create(
        goal=goal, title="Telemedizin", municipality=Municipality.objects.get(name="Bedorf")
    )


def test_status_changes_are_appended_and_the_latest_date_is_current(measure, users):
    change_status(measure, "planned", user=users["bedorf_staff"], date=dt.date(2025, 1, 1))
    change_status(measure, "in_progress", user=users["bedorf_staff"], date=dt.date(2025, 6, 1))
    # recorded later, but dated earlier: does not override the newer entry
    change_status(measure, "paused", user=users["bedorf_staff"], date=dt.date(2025, 3, 1))
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    assert [h.status for h in measure.history.all()] == ["planned", "paused", "in_progress"]


def test_history_rows_cannot_be_changed_or_deleted(measure, users):
    entry = change_status(measure, "planned", user=users["bedorf_staff"], date=dt.date(2025, 1, 1))
    entry.note = "rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        entry.save()
    with pytest.raises(HistoryIsAppendOnly):
        entry.delete()
    with pytest.raises(HistoryIsAppendOnly):
        StatusChange.objects.filter(pk=entry.pk).update(status="done")
    with pytest.raises(HistoryIsAppendOnly):
        StatusChange.objects.filter(pk=entry.pk).delete()
    with pytest.raises(HistoryIsAppendOnly):
        StatusChange.objects.all().delete()
    fresh = StatusChange.objects.get(pk=entry.pk)
    assert (fresh.status, fresh.note) == ("planned", "")


def test_a_measure_with_history_cannot_be_deleted(measure, users):
    from django.db.models import ProtectedError

    change_status(measure, "planned", user=users["bedorf_staff"])
    with pytest.raises(ProtectedError):
        measure.delete()
    assert Measure.objects.filter(pk=measure.pk).exists()
    assert StatusChange.objects.filter(measure=measure).count() == 1


def test_admin_offers_no_change_or_delete_of_history(measure, users, rf):
    from django.contrib.admin.sites import site

    entry = change_status(measure, "planned", user=users["bedorf_staff"])
    admin = site._registry[StatusChange]
    request = rf.get("/")
    request.user = users["office"]
    users["office"].is_superuser = True
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)
    assert not admin.has_add_permission(request)


def test_admin_records_the_first_status_of_new_measures_and_projects(goal, users, rf):
    """Measure and project admins share StatusHistoryAdmin: a new object opens its history with
    its first status and who set it; saving it again adds nothing."""
    from django.contrib.admin.sites import site

    request = rf.post("/")
    request.user = users["office"]
    measure = Measure(goal=goal, title="Dorfladen", status="planned")
    site._registry[Measure].save_model(request, measure, None, False)
    project = Project(measure=measure, title="Ladenraum", status="in_progress")
    site._registry[Project].save_model(request, project, None, False)
    site._registry[Project].save_model(request, project, None, True)

    assert [
        (e.measure, e.status, e.changed_by) for e in StatusChange.objects.filter(measure=measure)
    ] == [(measure, "planned", users["office"])]
    assert [(e.status, e.changed_by) for e in StatusChange.objects.filter(project=project)] == [
        ("in_progress", users["office"])
    ]
    assert "status" in site._registry[Measure].readonly_fields
    assert "status" in site._registry[Project].readonly_fields


def test_unknown_status_is_refused(measure, users):
    with pytest.raises(ValidationError, match="Unknown status"):
        change_status(measure, "finished", user=users["bedorf_staff"])
    assert measure.history.count() == 0


def test_milestone_ending_before_it_starts_is_refused_by_model_and_database(measure):
    project = Project.objects.create(measure=measure, title="P")
    bad = Milestone(
        project=project,
        title="Umbau",
        planned_start=dt.date(2025, 5, 1),
        planned_end=dt.date(2025, 4, 1),
    )
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    assert "planned end (2025-04-01) lies before the planned start (2025-05-01)" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()
    assert Milestone.objects.count() == 0


def test_negative_budget_is_refused_by_model_and_database(measure):
    from decimal import Decimal

    project = Project(measure=measure, title="P", budget_planned=Decimal("-5"))
    with pytest.raises(ValidationError) as info:
        project.full_clean()
    assert "budget_planned" in info.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()
    assert Project.objects.count() == 0


def test_target_without_indicator_is_refused(measure, runs):
    with pytest.raises(ValidationError, match="must name an indicator"):
        attach_target(measure, {}, target_value=60, target_date=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError, match="must name an indicator"):
        IndicatorTarget(
            measure=measure, level="", metric="", target_value=1, target_date=dt.date(2027, 1, 1)
        ).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorTarget.objects.create(
            measure=measure, level="", metric="", target_value=1, target_date=dt.date(2027, 1, 1)
        )
    assert IndicatorTarget.objects.count() == 0


def test_target_on_an_indicator_the_run_lacks_is_refused(measure, runs, gp_spec):
    spec = dict(gp_spec, age_band="0-5")
    with pytest.raises(ValidationError, match="holds no such indicator"):
        attach_target(measure, spec, target_value=0.6, target_date=dt.date(2027, 1, 1))
    assert IndicatorTarget.objects.count() == 0


def test_target_baseline_is_the_current_run_and_latest_the_newest(measure, runs, gp_spec):
    from nahraum.strategy import indicators

    target = attach_target(measure, gp_spec, target_value=0.6, target_date=dt.date(2027, 12, 31))
    assert target.baseline_run == runs["first"]
    assert target.baseline_value == 0.40
    tz = runs["first"].finished.tzinfo
    newer = runs["make"](dt.datetime(2026, 1, 10, 12, tzinfo=tz), 0.55)
    run, value = indicators.latest(target.spec)
    # the scenario run (2027, 0.99) is newer but a what-if: not counted
    assert run == newer and value.value == 0.55
    assert [p.value for p in indicators.series(target.spec)] == [0.40, 0.55]
