"""``nahraum backup`` / ``nahraum restore`` round-trip a whole installation, table by table.

An installation of its own (the bundled region with its timetable, whose arrays are a binary
column, an account, uploaded files, the key file) is saved, wrecked (tables emptied, a foreign
row, files lost and added, another key) and restored; then every table has the same row count
and the same SHA-256 over all its rows as before, and the files and the key are the same.
The database is the one the suite runs on: SQLite in scripts/test.sh's first pass, PostgreSQL
(``pg_dump``/``pg_restore``) in its second, where DATABASE_URL points at a server.

Damaged archives, archives of a newer nahraum and unsafe archives are refused before anything
changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import DIGEST, HERE, NAHRAUM, clean_env, requests, run, write_secret_key

SERVER_URL = os.environ.get("DATABASE_URL", "")
VENDOR = "postgresql" if SERVER_URL.startswith(("postgres://", "postgresql://")) else "sqlite"


@dataclass
class Installation:
    data_dir: Path
    env: dict[str, str]

    def digest(self) -> dict[str, dict]:
        return json.loads(run([sys.executable, str(DIGEST)], self.env).stdout)

    def files(self) -> dict[str, str]:
        media = self.data_dir / "media"
        return {
            p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(media.rglob("*"))
            if p.is_file()
        }

    def key(self) -> str:
        return (self.data_dir / "secret-key").read_text()

    def nahraum(self, *args: str, check: bool = True, stdin: str | None = None):
        if stdin is None:
            return run([*NAHRAUM, *args], self.env, check=check)
        import subprocess

        return subprocess.run(
            [*NAHRAUM, *args], env=self.env, input=stdin, capture_output=True, text=True
        )


class Databases:
    """Databases of their own on the suite's PostgreSQL server (none for SQLite)."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def url(self, name: str) -> str | None:
        if VENDOR == "sqlite":
            return None
        import psycopg

        name = f"nahraum_ops_{name}_{os.getpid()}"
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return SERVER_URL.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            for name in self.created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases():
    dbs = Databases()
    yield dbs
    dbs.drop_all()


def new_installation(base: Path, databases: Databases, name: str, key: bool = True):
    data_dir = base / name
    data_dir.mkdir()
    if key:
        write_secret_key(data_dir)
    url = databases.url(name)
    env = clean_env(data_dir, **({"DATABASE_URL": url} if url else {}))
    return Installation(data_dir, env)


@pytest.fixture(scope="module")
def installation(tmp_path_factory, databases) -> Installation:
    inst = new_installation(tmp_path_factory.mktemp("ops-backup"), databases, "source")
    run([sys.executable, str(HERE / "fill.py")], inst.env)
    media = inst.data_dir / "media"
    (media / "uploads" / "2026").mkdir(parents=True)
    (media / "uploads" / "2026" / "plan.bin").write_bytes(os.urandom(3 << 20))
    (media / "Übersicht Ortsteile.txt").write_text("Kernstadt und Dörfer\n", encoding="utf-8")
    (media / "empty.txt").write_bytes(b"")
    return inst


def test_backup_then_restore_gives_back_every_table(installation, tmp_path, databases):
    inst = installation
    before, files, key = inst.digest(), inst.files(), inst.key()
    assert before["region_populationcell"]["rows"] > 3000 and before["transit_feed"]["rows"] == 1
    assert before["accounts_user"]["rows"] == 1

    archive = tmp_path / "nahraum.tar.gz"
    out = inst.nahraum("backup", "--output", str(archive)).stdout
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in out
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".nahraum-*"))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == VENDOR
    assert "accounts.0001_initial" in manifest["migrations"]
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert {"secret-key", "media/uploads/2026/plan.bin"} <= set(names)

    # Wreck the installation: every table emptied, a foreign account, files lost and added,
    # another key.
    inst.nahraum("manage", "flush", "--no-input")
    requests(inst.env, [{"create_user": {"username": "fremd", "password": "x-Fremd-123456"}}])
    shutil.rmtree(inst.data_dir / "media" / "uploads")
    (inst.data_dir / "media" / "stray.txt").write_text("stray")
    write_secret_key(inst.data_dir, "another-key-" + "z" * 40)
    assert inst.digest() != before and inst.files() != files

    out = inst.nahraum("restore", str(archive), "--yes").stdout
    assert "restored" in out
    after = inst.digest()
    assert sorted(after) == sorted(before), "tables differ"
    changed = [t for t in before if after[t] != before[t]]
    assert not changed, {t: (before[t], after[t]) for t in changed}
    assert inst.files() == files and inst.key() == key
    assert not list(inst.data_dir.glob(".nahraum-restore-*")), "staging folder left behind"

    # The disaster drill: a new machine, no database tables, no files, no key yet.
    fresh = new_installation(tmp_path, databases, "fresh", key=False)
    out = fresh.nahraum("restore", str(archive), "--yes").stdout
    assert fresh.digest() == before
    assert fresh.files() == files and fresh.key() == key


def _rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> (name, data) | None`` applied."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            changed = change(member.name, data)
            if changed is None:
                continue
            name, data = changed
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def test_bad_archives_are_refused_and_change_nothing(installation, tmp_path):
    inst = installation
    archive = tmp_path / "good.tar.gz"
    inst.nahraum("backup", "--output", str(archive))
    before, files, key = inst.digest(), inst.files(), inst.key()

    def flip_byte(name, data):
        if name == "media/uploads/2026/plan.bin":
            data = bytes([data[0] ^ 1]) + data[1:]
        return name, data

    def future(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["migrations"].append("region.9999_from_the_future")
            manifest["nahraum_version"] = "9.0.0"
            data = json.dumps(manifest).encode()
        return name, data

    def escape(name, data):
        return ("../escaped.txt" if name == "media/empty.txt" else name), data

    def lose_member(name, data):
        return None if name == "secret-key" else (name, data)

    def no_database(name, data):
        if name.startswith("database/"):
            return None
        if name == "manifest.json":
            manifest = json.loads(data)
            del manifest["members"][manifest["database"]["member"]]
            data = json.dumps(manifest).encode()
        return name, data

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases = [
        (_rewrite(archive, tmp_path / "flipped.tar.gz", flip_byte), "checksum mismatch: media/"),
        (_rewrite(archive, tmp_path / "future.tar.gz", future), "region.9999_from_the_future"),
        (_rewrite(archive, tmp_path / "escape.tar.gz", escape), "unsafe member name"),
        (_rewrite(archive, tmp_path / "lost.tar.gz", lose_member), "missing: secret-key"),
        (_rewrite(archive, tmp_path / "nodb.tar.gz", no_database), "holds no database"),
        (truncated, "not a readable backup"),
    ]
    for bad, message in cases:
        result = inst.nahraum("restore", str(bad), "--yes", check=False)
        assert result.returncode != 0, bad.name
        assert message in result.stderr, (bad.name, result.stderr)
    assert "9.0.0" in inst.nahraum("restore", str(cases[1][0]), "--yes", check=False).stderr

    declined = inst.nahraum("restore", str(archive), stdin="n\n")
    assert declined.returncode != 0 and "nothing changed" in declined.stderr

    assert inst.digest() == before and inst.files() == files and inst.key() == key
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not (inst.data_dir / "escaped.txt").exists()
    assert not list(inst.data_dir.glob(".nahraum-restore-*")), "staging folder left behind"


def test_a_missing_pg_dump_says_what_to_install(monkeypatch, tmp_path):
    from nahraum.ops.backup import BackupError, pg_tool

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no PostgreSQL client here
    with pytest.raises(BackupError, match="apt install postgresql-client"):
        pg_tool("pg_dump")
