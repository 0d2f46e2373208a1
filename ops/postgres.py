"""PostgreSQL's own tools for backups: the newest pg_dump/pg_restore on this machine (a newer
pg_dump reads an older server; never the other way round)."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection


def _candidates(tool: str) -> list[Path]:
    found = []
    try:
        import pgserver._commands as embedded

        found.append(embedded.POSTGRES_BIN_PATH / tool)
    except ImportError:
        pass
    found += [Path(p) for p in glob.glob(f"/usr/lib/postgresql/*/bin/{tool}")]
    on_path = shutil.which(tool)
    if on_path:
        found.append(Path(on_path))
    return [path for path in found if path.exists()]


def _major(binary: Path) -> int:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)\.", output)
    return int(match.group(1)) if match else 0


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def tool(name: str) -> Path:
    """The newest ``name`` binary that can talk to the running server."""
    needed = server_major()
    usable = sorted(((_major(p), p) for p in _candidates(name)), reverse=True)
    for major, path in usable:
        if major >= needed:
            return path
    raise CommandError(
        f"No {name} for PostgreSQL {needed} or newer here. Install the PostgreSQL client "
        f"(Debian: apt-get install postgresql-client-{needed})."
    )


def database_url() -> str:
    """A libpq URI for the configured database, from Django's settings (a unix socket may be
    given as HOST or, as the embedded PostgreSQL's URL does, as the ``host`` option)."""
    from urllib.parse import quote

    settings = connection.settings_dict
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or settings.get("OPTIONS", {}).get("host") or ""
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    name = quote(settings["NAME"])
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{name}?host={quote(host)}"
    return f"postgresql://{user}{password}@{host}{port}/{name}"
