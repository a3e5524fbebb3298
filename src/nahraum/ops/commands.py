"""``nahraum backup`` and ``nahraum restore`` (registered in ``nahraum.cli``)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from nahraum.bootstrap import setup_django


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archive to write [DATA_DIR/backups/nahraum-YYYYmmdd-HHMMSS.tar.gz].",
)
@click.option(
    "--keep",
    type=int,
    default=0,
    show_default=True,
    help="Then delete all but the N newest nahraum-*.tar.gz in the archive's folder (0: none).",
)
def backup_command(output: Path | None, keep: int) -> None:
    """Save the whole installation (database, uploaded files, key file) into one .tar.gz.

    Safe while the server runs. The archive holds personal data and the secret key: keep it
    like the database itself (readable by the owner only, copied off the machine).
    """
    setup_django()
    from nahraum.ops import backup

    try:
        result = backup.create_backup(output, echo=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backup geschrieben / written: {result.path} ({result.size:,} bytes, {result.vendor}, "
        f"{result.media_files} Dateien / files, {result.migrations} migrations)"
    )
    click.echo(f"SHA-256 {backup.sha256_of(result.path)}")
    for path in backup.prune(result.path.parent, keep):
        click.echo(f"Altes Backup gelöscht / old backup deleted: {path.name}")


def _setup_without_key() -> None:
    """Set Django up even on a new machine with no secret key yet: the restore signs nothing,
    and the installation's key file comes back with the backup (a key given in the environment
    is used as it is)."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        setup_django()
    except ImproperlyConfigured:
        if os.environ.get("NAHRAUM_SECRET_KEY"):
            raise
        os.environ["NAHRAUM_SECRET_KEY"] = secrets.token_urlsafe(50)  # this process only
        setup_django()


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the installation's data.")
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database, uploaded files and key file with those of ARCHIVE, then migrate.

    Everything is verified first (checksums, database copy, migrations known to this code);
    a damaged backup or one of a newer nahraum changes nothing. Stop the web server and the
    worker before restoring, start them again afterwards.
    """
    _setup_without_key()
    from nahraum.ops import backup

    try:
        plan = backup.prepare_restore(archive)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = plan.manifest
    click.echo(
        f"Backup geprüft / verified: nahraum {manifest.get('nahraum_version')}, "
        f"{manifest.get('created_at')}, {manifest['database']['vendor']}, "
        f"{len(manifest['migrations'])} migrations, {plan.media_files} Dateien / files"
    )
    question = (
        "Datenbank und Dateien dieser Installation werden ersetzt / this installation's database "
        "and files will be replaced. Fortfahren / continue?"
    )
    if not yes and not click.confirm(question, default=False):
        backup.discard(plan)
        raise click.ClickException("Abgebrochen, nichts geändert / aborted, nothing changed.")
    try:
        backup.apply_restore(plan, echo=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not plan.has_secret_key:
        click.echo(
            "Das Backup enthält keine Schlüsseldatei: NAHRAUM_SECRET_KEY wie bisher setzen / the "
            "backup holds no key file: set NAHRAUM_SECRET_KEY as before."
        )
    click.echo(
        "Wiederhergestellt / restored. Starten Sie Web und Worker neu / restart web and worker."
    )
