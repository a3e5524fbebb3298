"""The ``nahraum`` command: thin over the apps and the engine.

Each area of the platform contributes its own click group or command (see ``_SUBCOMMANDS``); this
module only sets Django up and dispatches, so that the command line and the web app run the very
same code.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from nahraum.bootstrap import setup_django


class _Group(click.Group):
    """Turns a configuration error (no secret key, no database tables yet, a database that
    cannot be reached) into one clear line with what to do, not a traceback."""

    def invoke(self, ctx: click.Context):
        from django.core.exceptions import ImproperlyConfigured
        from django.db import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except ImproperlyConfigured as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError) as exc:
            problem = _database_setup_problem(exc)
            if problem is None:
                raise  # a real error of the command, not of the setup: keep its traceback
            raise click.ClickException(problem) from None


def _database_setup_problem(exc: Exception) -> str | None:
    """Say what is wrong with the database's setup, or ``None`` if its setup is fine.

    Why ask the migration state instead of parsing the message: "no such table" (SQLite) and
    "relation … does not exist" (PostgreSQL) both mean "not migrated", and a database that was
    migrated by an older nahraum fails with other messages; the plan of unapplied migrations
    tells all of these apart from a genuine bug.
    """
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    where = connection.settings_dict.get("NAME")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as reach:  # noqa: BLE001 - any failure here means: cannot even ask
        return (
            f"Die Datenbank ist nicht erreichbar / the database cannot be reached ({where}): "
            f"{str(reach).strip() or exc}"
        )
    if not pending:
        return None
    return (
        f"Die Datenbank ist noch nicht eingerichtet oder älter als dieses nahraum "
        f"({len(pending)} Migrationen fehlen) / the database is not set up or older than this "
        f"nahraum ({len(pending)} migrations missing): {where}\n"
        "Bitte zuerst / please run first: nahraum migrate "
        "(oder / or: nahraum demo, für die mitgelieferte Region / for the bundled region)"
    )


@click.group(cls=_Group)
@click.version_option(package_name="nahraum")
def main() -> None:
    """nahraum — Daseinsvorsorge gemeinsam planen / plan everyday services together."""


@main.command()
def migrate() -> None:
    """Create or update the database tables."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Web worker processes.")
@click.option("--no-serve", is_flag=True, help="Prepare everything, but do not start the server.")
@click.option("--no-worker", is_flag=True, help="Do not start a job worker beside the server.")
def demo(host: str, port: int, workers: int, no_serve: bool, no_worker: bool) -> None:
    """Migrate, load the bundled Lemgo–Kalletal region if absent, analyse it, and serve it.

    The same application server as production (``nahraum serve``) and a job worker of its own,
    so the demo needs nothing else; a random secret key is written to the data directory once.
    """
    import os

    os.environ["NAHRAUM_DEMO"] = "1"
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from nahraum.data.bundled import ensure_bundled_region

    ensure_bundled_region(echo=click.echo)
    for hook in _DEMO_HOOKS:
        module_name, attribute = hook.rsplit(":", 1)
        getattr(importlib.import_module(module_name), attribute)(echo=click.echo)
    from nahraum.web import serve as server

    server.prepare_static()
    if no_serve:
        return
    worker = None if no_worker else server.start_worker_process()
    click.echo(f"nahraum läuft auf / runs at http://{host}:{port}/")
    try:
        server.run(server.server_options(host, port, workers, threads=4, timeout=120))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="NAHRAUM_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="NAHRAUM_PORT")
@click.option(
    "--workers", type=int, default=None, help="Processes [NAHRAUM_WEB_WORKERS or 2×cores+1, ≤ 8]."
)
@click.option("--threads", type=int, default=4, show_default=True, envvar="NAHRAUM_WEB_THREADS")
@click.option("--timeout", type=int, default=60, show_default=True, help="Seconds per request.")
@click.option("--no-collectstatic", is_flag=True, help="Static files are collected already.")
def serve(
    host: str, port: int, workers: int | None, threads: int, timeout: int, no_collectstatic: bool
) -> None:
    """Serve the platform in production: gunicorn with N workers, static files included.

    DEBUG stays off; run `nahraum migrate` first and a job worker (`nahraum worker`) beside it
    (docs/operating.md). Stops gracefully on SIGTERM.
    """
    setup_django()
    from nahraum.web import serve as server

    if not no_collectstatic:
        server.prepare_static()
    server.run(
        server.server_options(host, port, workers or server.default_workers(), threads, timeout)
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--region", "region_slug", default=None, help="Region slug (default: the first).")
def summary(as_json: bool, region_slug: str | None) -> None:
    """Print the region: municipalities, their Ortsteile and counts of facilities by type."""
    setup_django()
    from nahraum.region.summary import region_summary

    data = region_summary(region_slug)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(data["region"])
    for m in data["municipalities"]:
        click.echo(f"  {m['name']} ({m['ags']}): {m['population']} Einwohner, {m['area_km2']} km²")
        for d in m["districts"]:
            click.echo(f"    {d['name']:<24} {d['kind']:<8} {d['population']:>7}")
        for key, count in sorted(m["facilities"].items()):
            click.echo(f"    · {key}: {count}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def manage(ctx: click.Context) -> None:
    """Run a Django management command (e.g. `nahraum manage createsuperuser`)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nahraum manage", *ctx.args])


# Commands contributed by the apps: "module:attribute" of a click command or group.
_SUBCOMMANDS: list[str] = [
    "nahraum.data.commands:import_group",
    "nahraum.data.commands:fetch_group",
    "nahraum.analysis.network_commands:network_group",
    "nahraum.scenarios.commands:scenario_group",
    "nahraum.analysis.commands:analyze",
    "nahraum.transit.commands:transit_group",
    "nahraum.participation.commands:participation_group",
    "nahraum.strategy.commands:strategy_group",
    "nahraum.jobs.commands:worker",
    "nahraum.jobs.commands:jobs_group",
    "nahraum.ops.commands:backup_command",
    "nahraum.ops.commands:restore_command",
]

# Steps `nahraum demo` runs after the bundled region is loaded (e.g. the first analysis).
_DEMO_HOOKS: list[str] = [
    "nahraum.transit.bundled:demo_hook",  # before the first analysis, so that it includes transit
    "nahraum.analysis.commands:demo_hook",
    "nahraum.scenarios.demo:demo_hook",
    "nahraum.participation.demo:demo_hook",
    "nahraum.strategy.bundled:demo_hook",
]


def _register() -> None:
    for spec in _SUBCOMMANDS:
        module_name, attribute = spec.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that part of the platform is not installed
            raise
        main.add_command(getattr(module, attribute))


_register()

if __name__ == "__main__":
    sys.exit(main())
