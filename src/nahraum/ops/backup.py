"""``nahraum backup`` and ``nahraum restore``: the whole installation in one ``.tar.gz``.

An archive holds the database (SQLite: a copy made with SQLite's online backup API, consistent
while the server writes; PostgreSQL: ``pg_dump --format=custom``), every uploaded file under
``MEDIA_ROOT``, the secret-key file if the installation has one, and ``manifest.json`` last:
nahraum's version, the database vendor, the applied migrations, when it was made and the SHA-256
and size of every other member. Files are streamed in chunks, never read whole, so memory stays
bounded whatever the size of the installation.

A restore checks everything before it changes anything: the archive reads to the end, every
member matches its checksum, the database copy is sound, the vendor matches, and no migration in
the backup is unknown to the code (a backup of a newer nahraum is refused, with the version to
install). Only then are the database and the media replaced, the key file written, the database
migrated to the code's schema and the cache emptied (cached pages would show the old data).

Derived data stays out: the static files (``collectstatic`` rebuilds them), the network cache
under ``DATA_DIR/networks`` (rebuilt from the OSM file by checksum) and the file cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/nahraum.sqlite3"
PG_MEMBER = "database/nahraum.pgdump"
MEDIA_PREFIX = "media/"
SECRET_MEMBER = "secret-key"
CHUNK = 1 << 20
#: The manifest is read into memory: refuse one that could not have come from us.
MAX_MANIFEST_BYTES = 64 << 20
ARCHIVE_NAME = re.compile(r"^nahraum-\d{8}-\d{6}\.tar\.gz$")

Echo = Callable[[str], object]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    size: int
    vendor: str
    media_files: int
    migrations: int


@dataclass
class RestorePlan:
    """What a verified archive would replace; shown before anything is changed."""

    archive: Path
    manifest: dict[str, Any]
    media_files: int
    has_secret_key: bool
    staging: Path = field(repr=False)


# --- helpers ------------------------------------------------------------------------------------


class _HashingReader:
    """A file object that hashes what is read through it (tarfile reads members in chunks)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        return data


def app_version() -> str:
    from nahraum.ops.health import app_version as version

    return version()


def database_vendor() -> str:
    """``sqlite`` or ``postgresql``: the two databases nahraum runs on."""
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Datenbank {connection.vendor!r} wird nicht gesichert / not supported.")
    return connection.vendor


def applied_migrations() -> list[str]:
    """The migrations applied to the database, as ``app.name``, sorted."""
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def known_migrations() -> set[str]:
    """Every migration the installed code knows, including those a squashed one replaces."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    for migration in loader.disk_migrations.values():
        known |= {f"{app}.{name}" for app, name in migration.replaces or []}
    return known


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` / ``pg_restore``, or an error that says what to install."""
    found = shutil.which(name)
    if found:
        return found
    major = ""
    try:
        major = str(connection.pg_version // 10000)
    except Exception:  # no server reachable: the message still helps
        pass
    package = f"postgresql-client-{major}" if major else "postgresql-client"
    raise BackupError(
        f"{name} nicht gefunden / not found. Installieren Sie die PostgreSQL-Client-Programme in "
        f"der Version des Servers oder neuer / install the PostgreSQL client tools of the server's "
        f"major version or newer, e.g. Debian/Ubuntu: `apt install {package}`, "
        f"RHEL: `dnf install postgresql`, or put them on PATH."
    )


def pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database, so no password appears in a command line
    (where ``ps`` would show it)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _run(command: list[str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} fehlgeschlagen / failed:\n" + "\n".join(detail))
    return result


# --- backup -------------------------------------------------------------------------------------


def default_output(now: dt.datetime | None = None) -> Path:
    """``DATA_DIR/backups/nahraum-YYYYmmdd-HHMMSS.tar.gz`` (UTC)."""
    now = now or dt.datetime.now(dt.UTC)
    return Path(settings.DATA_DIR) / "backups" / f"nahraum-{now:%Y%m%d-%H%M%S}.tar.gz"


def dump_database(target: Path) -> tuple[str, str]:
    """Write a consistent copy of the database to ``target``; returns (vendor, member name)."""
    vendor = database_vendor()
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            # One step (pages=-1): the copy is of one moment even while the server writes.
            connection.connection.backup(copy)
        finally:
            copy.close()
        return vendor, SQLITE_MEMBER
    pg_dump = pg_tool("pg_dump")
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-acl", f"--file={target}"],
        "pg_dump",
    )
    return vendor, PG_MEMBER


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((MEDIA_PREFIX + path.relative_to(root).as_posix(), path))
    return found


def _add_file(tar: tarfile.TarFile, name: str, path: Path, members: dict[str, dict]) -> None:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size = stat.st_size
    info.mtime = int(stat.st_mtime)
    info.mode = 0o600
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        tar.addfile(info, reader)
    members[name] = {"sha256": reader.sha.hexdigest(), "size": stat.st_size}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``nahraum-*.tar.gz`` in ``directory``."""
    archives = sorted(p for p in directory.iterdir() if ARCHIVE_NAME.match(p.name))
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def create_backup(output: Path | None = None, echo: Echo = print) -> BackupResult:
    """Write the archive to ``output`` (default :func:`default_output`), readable by the owner
    only (it holds personal data and the secret key). Written under a ``.partial`` name first,
    so a file with the final name is always complete."""
    created = dt.datetime.now(dt.UTC)
    output = Path(output or default_output(created)).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    migrations = applied_migrations()
    with tempfile.TemporaryDirectory(prefix=".nahraum-backup-", dir=output.parent) as tmp:
        dump = Path(tmp) / "database"
        vendor, db_member = dump_database(dump)
        echo(f"Datenbank gesichert / database saved ({vendor}, {dump.stat().st_size:,} bytes)")
        members: dict[str, dict] = {}
        media = _media_files()
        secret = Path(getattr(settings, "SECRET_KEY_FILE", "") or "")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    _add_file(tar, db_member, dump, members)
                    for name, path in media:
                        _add_file(tar, name, path, members)
                    if secret.name and secret.is_file():
                        _add_file(tar, SECRET_MEMBER, secret, members)
                    manifest = {
                        "format": FORMAT,
                        "nahraum_version": app_version(),
                        "created_at": created.isoformat(timespec="seconds"),
                        "database": {"vendor": vendor, "member": db_member},
                        "migrations": migrations,
                        "members": members,
                    }
                    _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(output, output.stat().st_size, vendor, len(media), len(migrations))


# --- restore: verify first ----------------------------------------------------------------------


def _safe_name(name: str) -> PurePosixPath:
    """Only what a backup holds, and nothing that could land outside the staging folder."""
    path = PurePosixPath(name)
    expected = name in (MANIFEST, SQLITE_MEMBER, PG_MEMBER, SECRET_MEMBER) or name.startswith(
        MEDIA_PREFIX
    )
    if path.is_absolute() or ".." in path.parts or "\\" in name or not expected:
        raise BackupError(f"Unzulässiger Name im Archiv / unsafe member name: {name!r}")
    return path


def _extract_verified(archive: Path, staging: Path) -> dict[str, Any]:
    """Stream every member into ``staging`` while hashing it; return the checked manifest."""
    digests: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    try:
        with tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                name = member.name
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(f"Unzulässiges Element / unexpected member type: {name!r}")
                rel = _safe_name(name)
                source = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError("manifest.json ist zu groß / is too large.")
                    manifest_bytes = source.read()
                    continue
                target = staging.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                sha = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                digests[name] = (sha.hexdigest(), size)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(
            f"{archive} ist kein lesbares nahraum-Backup / is not a readable backup ({exc})."
        ) from exc
    if manifest_bytes is None:
        raise BackupError(f"{archive}: manifest.json fehlt / is missing: not a nahraum backup.")
    try:
        manifest = json.loads(manifest_bytes)
        listed = manifest["members"]
        if not isinstance(manifest["database"]["vendor"], str):
            raise TypeError("database.vendor")
        if not isinstance(manifest["migrations"], list):
            raise TypeError("migrations")
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"manifest.json ist unlesbar / is unreadable ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unbekanntes Backup-Format / unknown format {manifest.get('format')!r}.")
    problems = []
    for name, expected in sorted(listed.items()):
        got = digests.get(name)
        if got is None:
            problems.append(f"fehlt / missing: {name}")
        elif got != (expected["sha256"], expected["size"]):
            problems.append(f"Prüfsumme falsch / checksum mismatch: {name}")
    problems += [
        f"nicht im Manifest / not in the manifest: {n}" for n in sorted(digests) if n not in listed
    ]
    if problems:
        raise BackupError(
            "Das Backup ist beschädigt, nichts wurde geändert / the backup is damaged, nothing "
            "was changed:\n  " + "\n  ".join(problems[:20])
        )
    return manifest


def _check_compatible(manifest: dict[str, Any], staging: Path) -> None:
    vendor = database_vendor()
    theirs = manifest["database"]["vendor"]
    if theirs != vendor:
        raise BackupError(
            f"Das Backup enthält eine {theirs}-Datenbank, konfiguriert ist {vendor} / the backup "
            f"holds a {theirs} database, this installation uses {vendor}. Restore it into an "
            f"installation with the same database (DATABASE_URL)."
        )
    member = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
    if manifest["database"]["member"] != member or member not in manifest["members"]:
        raise BackupError(
            f"Das Backup enthält keine Datenbank / the backup holds no database ({member})."
        )
    unknown = sorted(set(manifest["migrations"]) - known_migrations())
    if unknown:
        raise BackupError(
            f"Das Backup stammt von nahraum {manifest.get('nahraum_version', '?')}, neuer als "
            f"dieser Code ({app_version()}) / the backup was made by a newer nahraum than this "
            f"code knows: unknown migrations {', '.join(unknown[:5])}"
            f"{' …' if len(unknown) > 5 else ''}. Installieren Sie zuerst diese Version oder "
            f"eine neuere / install that version or a newer one first, then restore."
        )
    if vendor == "sqlite":
        db = sqlite3.connect(staging / SQLITE_MEMBER)
        try:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        finally:
            db.close()
        if verdict != "ok":
            raise BackupError(f"Die Datenbank im Backup ist defekt / is damaged: {verdict}")
    else:
        _run([pg_tool("pg_restore"), "--list", str(staging / PG_MEMBER)], "pg_restore --list")


def prepare_restore(archive: Path) -> RestorePlan:
    """Unpack and verify ``archive`` into a staging folder in the data directory (the same file
    system as the media, so they are swapped by a rename). Changes nothing else."""
    staging = Path(tempfile.mkdtemp(prefix=".nahraum-restore-", dir=settings.DATA_DIR))
    try:
        manifest = _extract_verified(Path(archive), staging)
        _check_compatible(manifest, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    media = sum(1 for n in manifest["members"] if n.startswith(MEDIA_PREFIX))
    return RestorePlan(
        Path(archive), manifest, media, SECRET_MEMBER in manifest["members"], staging
    )


# --- restore: replace ---------------------------------------------------------------------------


def _restore_sqlite(copy: Path) -> None:
    connections.close_all()
    connection.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        # The online backup API writes the copy into the live database file under its lock,
        # page by page: a reader never sees a half-replaced file.
        source.backup(connection.connection)
    finally:
        source.close()
    connections.close_all()


def _dump_tables(dump: Path) -> set[tuple[str, str]]:
    listing = _run([pg_tool("pg_restore"), "--list", str(dump)], "pg_restore --list").stdout
    tables = set()
    for line in listing.splitlines():
        parts = line.split()
        # "215; 1259 16390 TABLE public accounts_user nahraum"
        if len(parts) >= 6 and not line.startswith(";") and parts[3] == "TABLE":
            tables.add((parts[4], parts[5]))
    return tables


def _restore_postgresql(dump: Path) -> None:
    # Tables the dump does not have (from a newer schema than the backup's) would keep their
    # rows and block dropping the tables they reference; they go first, the rest is replaced
    # by pg_restore in one transaction.
    theirs = _dump_tables(dump)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        extra = [t for t in cursor.fetchall() if tuple(t) not in theirs]
        if extra:
            names = ", ".join(
                connection.ops.quote_name(s) + "." + connection.ops.quote_name(t) for s, t in extra
            )
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
    connections.close_all()
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ],
        "pg_restore",
    )


def _restore_media(staging: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    staged = staging / MEDIA_PREFIX.rstrip("/")
    staged.mkdir(exist_ok=True)
    old = staging / "media-before-restore"
    if media.exists():
        shutil.move(str(media), str(old))
    media.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staged), str(media))


def _restore_secret_key(staging: Path) -> None:
    target = Path(settings.SECRET_KEY_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".restore")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, (staging / SECRET_MEMBER).open("rb") as source:
        shutil.copyfileobj(source, out)
    os.replace(tmp, target)


def apply_restore(plan: RestorePlan, echo: Echo = print) -> None:
    """Replace database, media and key file with the verified archive's, migrate, empty the
    cache. Stop the web server and the worker first (docs/operating.md)."""
    from django.core.cache import cache
    from django.core.management import call_command

    try:
        if plan.manifest["database"]["vendor"] == "sqlite":
            _restore_sqlite(plan.staging / SQLITE_MEMBER)
        else:
            _restore_postgresql(plan.staging / PG_MEMBER)
        echo("Datenbank wiederhergestellt / database restored")
        _restore_media(plan.staging)
        echo(f"Dateien wiederhergestellt / media restored ({plan.media_files})")
        if plan.has_secret_key:
            _restore_secret_key(plan.staging)
            echo("Schlüsseldatei wiederhergestellt / secret-key file restored")
        call_command("migrate", interactive=False, verbosity=0)
        echo("Datenbank migriert / database migrated")
        cache.clear()
    finally:
        discard(plan)


def discard(plan: RestorePlan) -> None:
    """Remove the staging folder of a plan (after a restore, or when it is declined)."""
    shutil.rmtree(plan.staging, ignore_errors=True)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks: printed after a backup, so that a copy kept elsewhere
    can be checked with ``sha256sum``."""
    sha = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()
