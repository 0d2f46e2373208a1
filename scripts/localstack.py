"""What the proof scripts start and stop on this machine (faults.py, cluster_test.py): free
loopback ports, commands that must succeed, the live children of a process, and private
PostgreSQL clusters run as the system user postgres in a temporary folder."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port(taken: set[int] | None = None) -> int:
    """A loopback port nobody listens on, and not one already handed out from ``taken``."""
    taken = set() if taken is None else taken
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port


def run(cmd: list[str], *, cwd: Path = ROOT, env=None, timeout: float = 180) -> str:
    """Run a command that must succeed; its output, or an error with the end of it."""
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd[:6]))} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done.stdout


def live_children(pid: int) -> list[int]:
    """The live (not zombie) child processes of ``pid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


class Postgres:
    """One cluster in ``home/name`` (its log beside it), run as the system user postgres."""

    def __init__(self, home: Path, name: str, port: int) -> None:
        self.home, self.name, self.port = home, name, port
        self.data = home / name
        self.log = home / f"{name}.log"

    def pg(self, tool: str, *args: str, timeout: float = 120) -> str:
        cmd = ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args]
        return run(cmd, cwd=self.home, timeout=timeout)

    def url(self, database: str = "shipskip") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def init(self) -> None:
        self.pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-c listen_addresses={HOST} -p {self.port} -k {self.home}"
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def teardown(self) -> None:
        """Stop it if it runs: fast, else immediate."""
        for mode in ("fast", "immediate"):
            if not self.running():
                return
            with contextlib.suppress(Exception):
                self.stop(mode)
                return

    def query(self, sql: str, params=None, database: str = "shipskip"):
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
