"""Where the database comes from.

``DATABASE_URL`` wins. Without it, a fresh clone still runs: an embedded PostgreSQL (the
``pgserver`` package) is started in a local, git-ignored data folder. Where pgserver has no wheel
(Python 3.13+), PostgreSQL's own ``initdb``/``pg_ctl`` run a cluster there if they are installed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "shipskip"

NO_DATABASE_MESSAGE = """\
Ship or Skip needs PostgreSQL and could not start one for you.
  * pgserver (the embedded PostgreSQL) has no wheel for this Python; use Python 3.11 or 3.12, or
  * install PostgreSQL's server binaries (Debian: apt-get install postgresql), or
  * point DATABASE_URL at a PostgreSQL you run, e.g.
      export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/shipskip
"""

# Keeps the embedded server's handle alive for the life of the process; pgserver stops the
# server when the last process that holds a handle exits.
_embedded_server = None


def data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("SHIPSKIP_DATA_DIR") or base_dir / ".data").resolve()


def embedded_database_url(base_dir: Path) -> str:
    folder = data_dir(base_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import pgserver
    except ImportError:
        return _binaries_database_url(folder / "postgres-local")

    global _embedded_server
    if _embedded_server is None:
        _embedded_server = pgserver.get_server(folder / "postgres", cleanup_mode="stop")
        _ensure_database(_embedded_server.get_uri("postgres"))
    return _embedded_server.get_uri(DATABASE_NAME)


def _ensure_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            # Another process starting at the same moment may win the race.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _find_bindir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    return Path(candidates[-1]).parent if candidates else None


def _binaries_database_url(pgdata: Path) -> str:
    bindir = _find_bindir()
    if bindir is None:
        raise ImproperlyConfigured(NO_DATABASE_MESSAGE)
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root; Debian's packages create a 'postgres' user.
        prefix = ["runuser", "-u", "postgres", "--"]
        pgdata.mkdir(parents=True, exist_ok=True)
        shutil.chown(pgdata, "postgres", "postgres")
        for parent in pgdata.parents:
            parent.chmod(parent.stat().st_mode | 0o011)
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
            ],
            check=True,
            capture_output=True,
        )
    status = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "status", "-D", str(pgdata)], capture_output=True
    )
    if status.returncode != 0:
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-D",
                str(pgdata),
                "-l",
                str(pgdata / "server.log"),
                "-o",
                f"-k {pgdata} -c listen_addresses=''",
            ],
            check=True,
            capture_output=True,
        )
    _ensure_database(f"postgresql://postgres@/postgres?host={pgdata}")
    return f"postgresql://postgres@/{DATABASE_NAME}?host={pgdata}"


def stop_binaries_cluster(pgdata: Path) -> None:
    """Stop a cluster started by ``_binaries_database_url`` (pgserver stops its own)."""
    bindir = _find_bindir()
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if bindir and (pgdata / "postmaster.pid").exists():
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "stop", "-m", "fast", "-D", str(pgdata)],
            check=True,
            capture_output=True,
        )


def database_url(base_dir: Path) -> str:
    return os.environ.get("DATABASE_URL") or embedded_database_url(base_dir)
