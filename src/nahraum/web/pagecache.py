"""Invalidate the page cache when data change: model signals of the data apps bump the version.

The cache itself (:func:`nahraum.region.cachever.public_page`, the data version and
``bump_data_version``) lives in ``region`` so that the apps' views can use it; connecting the
signals of *every* model of the data apps is the web app's job, because only ``web`` may look at
all apps at once. Connected once from :meth:`nahraum.web.apps.WebConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from nahraum.analysis.models import AnalysisRun
from nahraum.region.cachever import bump_after_commit

#: The apps whose data appear on the cached pages. Accounts, sessions and jobs are left out on
#: purpose: a login or a job's progress changes no public page.
DATA_APPS = ("region", "analysis", "transit", "scenarios", "strategy", "participation")
#: Tables of many rows (or large arrays) that are only written in bulk inside a transaction that
#: also saves their parent (a run, a feed, a region), and deleted with it. A ``post_delete``
#: receiver would stop Django from deleting them with one ``DELETE … WHERE`` (it would load every
#: row to send the signal), so they get none; saving or deleting the parent bumps the version.
BULK_TABLES = frozenset(
    {
        "region.PopulationCell",
        "analysis.IndicatorValue",
        "analysis.CellResults",
        "analysis.CrossBorderFlow",
        "transit.Stop",
        "transit.Route",
        "transit.CellClass",
    }
)


#: The participation models that cached pages show (the strategy links measures to them). The
#: others — comments, supports, survey answers, reports, registrations — appear only on the
#: participation pages, which are not cached, so writing them (every few seconds while people take
#: part) leaves every cached page alone.
PARTICIPATION_ON_CACHED_PAGES = frozenset(
    {
        "participation.Idea",
        "participation.ProposedMeasure",
        "participation.WorkshopResult",
        "participation.Workshop",
        "participation.SocietalGroup",
    }
)


def _scope(model: type, instance: Any) -> str:
    """Which version a change bumps. Participation has its own. The *results* of scenario runs
    (a ScenarioRun, an analysis run of a scenario and its rows) bump "scenarios", which no public
    page shows, so staff running scenarios all day leave the page cache alone; a change to a
    scenario itself bumps "data" like any other input (a job started before it is not reused)."""
    label = model._meta.app_label
    if label == "participation":
        return label
    if model._meta.label == "scenarios.ScenarioRun":
        return "scenarios"
    if label == "analysis":
        run = instance if isinstance(instance, AnalysisRun) else getattr(instance, "run", None)
        if run is not None and run.scenario_id is not None:
            return "scenarios"
    return "data"


def _changed(sender: type, instance: Any, using: str | None = None, **kwargs: Any) -> None:
    bump_after_commit(_scope(sender, instance), using)


def _m2m_changed(
    sender: type, instance: Any, action: str, using: str | None = None, **kwargs: Any
) -> None:
    if action.startswith("post_"):
        # The scope of the side that changed (pages showing both sides key on both scopes).
        bump_after_commit(_scope(type(instance), instance), using)


def connect_data_signals() -> list[type]:
    """Connect post_save, post_delete and m2m_changed of every model of :data:`DATA_APPS`;
    returns the models connected (apps not installed are skipped)."""
    connected = []
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if label == "participation" and model._meta.label not in PARTICIPATION_ON_CACHED_PAGES:
                continue
            uid = f"nahraum-pagecache-{model._meta.label}"
            post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
            if model._meta.label not in BULK_TABLES:
                post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _m2m_changed, sender=field.remote_field.through, dispatch_uid=uid + field.name
                )
            connected.append(model)
    return connected
