"""Ship or Skip benchmark: the production stack under wrk, on a large catalog.

    .venv/bin/python bench/run.py            # full run: 3 s warm-up + 10 s per scenario
    .venv/bin/python bench/run.py --quick    # 1 s warm-up + 3 s per scenario

Sets up a dedicated database (shipskip_bench), migrates it, loads the demo content and scales the
catalog (scale_catalog), starts gunicorn with gunicorn.conf.py and production settings on a free
loopback port, measures each scenario with wrk, checks that no vote was lost, counts the queries
of each page, and writes bench/results.md and bench/results.json. See bench/README.md.

Exit status: 0 when every target is met, 1 when a target fails (the results are written anyway),
2 when the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"  # git-ignored scratch: logs and raw wrk output
# The latest run, kept in the repository.
RESULTS_MD = BENCH / "results.md"
RESULTS_JSON = BENCH / "results.json"
VENV_BIN = ROOT / ".venv" / "bin"
DB_NAME = "shipskip_bench"
BENCH_USER = "bench"
HOST = "127.0.0.1"
UNLIMITED = "100000000/m"
WRK_TIMEOUT_MS = 2000.0  # wrk's default --timeout
WRK_THREADS = 2  # wrk -t: each thread takes an equal share of the connections
VOTE_BACKSTOP_S = 3  # wrk's -d for the vote run: the sending time plus this, to drain
WRK_INSTALL = (
    "wrk is not installed. Install it with:  apt-get install wrk   (as root, or with sudo)"
)


class BenchError(Exception):
    """The benchmark could not run (as opposed to a target that was missed)."""


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Database and environment


def bench_database_url() -> str:
    """DATABASE_URL's server with the database renamed, else the local PostgreSQL service."""
    base = os.environ.get("DATABASE_URL", "").strip()
    if base:
        parts = urllib.parse.urlsplit(base)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    try:
        with socket.create_connection((HOST, 5432), timeout=2):
            pass
    except OSError as error:
        raise BenchError(
            f"No PostgreSQL at {HOST}:5432 ({error}). Start it (service postgresql start) or set "
            "DATABASE_URL to a server the benchmark may create a database on."
        ) from error
    return f"postgresql://postgres@{HOST}:5432/{DB_NAME}"


def ensure_database(url: str) -> bool:
    """Create the bench database if it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
            return True
    except psycopg.Error as error:
        raise BenchError(f"Cannot create database {DB_NAME}: {error}") from error


def bench_env(database_url: str, secret_key: str) -> dict[str, str]:
    """The Makefile's PROD_ENV, the bench database, and rate limits the load never reaches."""
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        SHIPSKIP_VOTE_RATE=UNLIMITED,
        SHIPSKIP_VOTE_RATE_PER_ADDRESS=UNLIMITED,
        SHIPSKIP_API_RATE=UNLIMITED,
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300, quiet: bool = False) -> str:
    """Run manage.py with the bench environment; its output goes to bench/out/manage.log."""
    command = [str(VENV_BIN / "python"), "manage.py", *args]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.perf_counter() - started
    with open(OUT / "manage.log", "a", encoding="utf-8") as handle:
        shown = " ".join(args) if args[0] != "shell" else "shell -c …"
        handle.write(f"$ manage.py {shown}  ({elapsed:.1f} s, exit {result.returncode})\n")
        handle.write(result.stdout + result.stderr + "\n")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise BenchError(f"manage.py {args[0]} failed (exit {result.returncode}):\n{tail}")
    if not quiet:
        for line in result.stdout.strip().splitlines():
            log(f"    {line}")
    return result.stdout


def json_from(output: str) -> dict:
    for line in reversed(output.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise BenchError(f"No BENCH_JSON line in:\n{output[-2000:]}")


# Runs inside `manage.py shell -c`: the catalog put back as scale_catalog left it, the bench user
# (password from the environment) with votes and bookmarks on the benchmarked comparison's tools,
# and the URLs the scenarios need.
SETUP_CODE = r"""
import json, os
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from comparisons.models import COMPARE_SEPARATOR, Comparison, Tool
from throttle.limits import purge_expired
from votes.models import Vote
from votes.services import bookmark_add, votes_recount_all, vote_set
from votes.voters import Voter

prefix = "bench-tool-"
bench_tools = Tool.objects.published().filter(slug__startswith=prefix)
# Every anonymous vote newer than the bench tools was cast by an earlier run's vote scenario
# (scale_catalog dates its votes at least a minute before it creates the tools): they go, the
# counts are recomputed as `manage.py recount_votes` does, and the rate-limit counters they left
# are purged as the hourly `manage.py purge_rate_limits` does.
catalog_made = bench_tools.aggregate(first=Min("created_at"))["first"]
removed_votes, _ = Vote.objects.filter(user=None, created_at__gt=catalog_made).delete()
votes_recount_all()
removed_counters = purge_expired()
count = bench_tools.count()
last = bench_tools.order_by("-slug").values_list("slug", flat=True).first()
curated = (
    Comparison.objects.published()
    .annotate(
        n=Count("entries", distinct=True),
        bench=Count("entries", filter=Q(entries__tool__slug__startswith=prefix), distinct=True),
    )
    .filter(n=3, bench=3)
    .order_by("pk")
    .with_tools()
    .first()
)
if curated is None:
    raise SystemExit("No curated three-tool bench comparison: run scale_catalog --force.")

# An ad-hoc set: three bench tools no editor compared (checked, bounded search).
adhoc = None
for start in range(100, 100 + 200):
    slugs = [f"{prefix}{(start + step * 211) % count + 1:04d}" for step in range(3)]
    tools = list(bench_tools.filter(slug__in=slugs))
    if len(tools) == 3 and not Comparison.objects.of_exactly([t.pk for t in tools]).exists():
        adhoc = "/compare/" + COMPARE_SEPARATOR.join(sorted(slugs)) + "/"
        break
if adhoc is None:
    raise SystemExit("Could not find three bench tools without a curated comparison.")

User = get_user_model()
user, _ = User.objects.get_or_create(
    username="bench", defaults={"email": "bench@example.com"}
)
user.set_password(os.environ["BENCH_USER_PASSWORD"])
user.save()
voter = Voter(user_id=user.pk)
compared = curated.ordered_tools
for position, tool in enumerate(compared[:2]):
    vote_set(tool=tool, voter=voter, value="ship" if position == 0 else "skip")
for tool in [*compared, *bench_tools.order_by("slug")[:5]]:
    bookmark_add(user_id=user.pk, tool=tool)

print("BENCH_JSON " + json.dumps({
    "removed_votes": removed_votes,
    "removed_counters": removed_counters,
    "bench_tools": count,
    "last_slug": last,
    "curated_url": curated.get_absolute_url(),
    "curated_title": curated.title,
    "adhoc_url": adhoc,
}))
"""

# Runs inside `manage.py shell -c`: each scenario's request twice through the test client,
# counting the queries of the second (warm) one. Anonymous requests carry no cookies, as wrk's.
QUERY_CODE = r"""
import json, os
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

spec = json.loads(os.environ["BENCH_QUERY_SPEC"])
user = get_user_model().objects.get(username="bench")
# As in a gunicorn worker: the change feed listens, so a cached page asks PostgreSQL nothing.
try:
    from comparisons.changefeed import start_if_enabled, feed
except ImportError:
    feed = None
else:
    start_if_enabled()
    feed.wait_until_listening()


def twice(item):
    client = Client(HTTP_HOST="127.0.0.1")
    if item["logged_in"]:
        client.force_login(user)
    counts, statuses, sql = [], [], []
    for _ in range(2):
        if not item["logged_in"]:
            client.cookies.clear()
        with CaptureQueriesContext(connection) as queries:
            if item["method"] == "POST":
                response = client.post(item["path"], {"value": "ship"}, HTTP_HX_REQUEST="true")
            else:
                response = client.get(item["path"])
        counts.append(len(queries.captured_queries))
        statuses.append(response.status_code)
        sql = [q["sql"] for q in queries.captured_queries]
    return counts, statuses, sql


results = {}
for item in spec:
    counts, statuses, sql = twice(item)
    result = {"cold": counts[0], "warm": counts[1], "statuses": statuses, "sql": sql}
    # The cost of a full render too, where the page cache (SHIPSKIP_PAGE_CACHE) exists.
    if item["method"] == "GET" and hasattr(settings, "SHIPSKIP_PAGE_CACHE"):
        with override_settings(SHIPSKIP_PAGE_CACHE=False):
            uncached, more, _ = twice(item)
        result["uncached"] = uncached[1]
        result["statuses"] += more
    results[item["key"]] = result
print("BENCH_JSON " + json.dumps(results))
"""


def vacuum(database_url: str) -> bool:
    """VACUUM the bench database after the setup put it back as scale_catalog left it, so every
    run starts from the same state even where autovacuum is off. The tables runs grow are
    rewritten (a plain VACUUM leaves the freed space for new rows to scatter over), the rest
    analysed. Returns whether autovacuum is on."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM (FULL, ANALYZE) votes_vote, throttle_counter, comparisons_tool")
        conn.execute("VACUUM (ANALYZE)")
        # Write out what preparing dirtied now, not as a checkpoint in the middle of a run.
        conn.execute("CHECKPOINT")
        on = conn.execute("SHOW autovacuum").fetchone()[0] == "on"
    os.sync()  # and the files the preparation wrote (static files, logs)
    return on


def db_vote_totals(database_url: str) -> tuple[int, int]:
    """(rows in votes_vote, community_ships + community_skips over every tool)."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM votes_vote), "
            "(SELECT coalesce(sum(community_ships + community_skips), 0) FROM comparisons_tool)"
        ).fetchone()
    return int(row[0]), int(row[1])


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the repo's config on a free loopback port; stopped by its process id."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        self.process: subprocess.Popen | None = None
        self.log_path = OUT / "gunicorn.log"
        self.base = f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "shipskip.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited at start; see {self.log_path}")
            try:
                status, _, _ = fetch(self.base + "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def workers(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            import psutil

            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except Exception:  # noqa: BLE001 (psutil missing or the master is going away)
            path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            try:
                return [int(pid) for pid in path.read_text().split()]
            except OSError:
                return []

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                for pid in self.workers():
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class MemorySampler(threading.Thread):
    """Peak resident memory (VmHWM) of every gunicorn worker seen, sampled every 0.25 s
    (workers are recycled after max_requests, so a reading at the end alone would miss some)."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.peaks: dict[int, int] = {}  # pid -> VmHWM in kB
        self.halt = threading.Event()

    def sample(self) -> None:
        for pid in self.server.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                self.peaks[pid] = max(self.peaks.get(pid, 0), int(match.group(1)))

    def run(self) -> None:
        while not self.halt.wait(0.25):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self.halt.set()
        self.join(timeout=5)


# ---------------------------------------------------------------------------------------------
# What a run cost: CPU time and context switches from /proc, transactions from PostgreSQL


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system, all threads) each process has used, by process id."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return seconds


def cpu_used_s(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings: what the processes seen both times added, and all
    of what the ones started in between used. One that ended in between is left out (its last
    stretch is lost: PostgreSQL backends of short connections, a recycled gunicorn worker)."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def postgres_pids() -> list[int]:
    """This machine's PostgreSQL processes (none when the server is elsewhere)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if stat.read_text().strip() in ("postgres", "postmaster"):
                pids.append(int(stat.parent.name))
    return pids


def machine_counters() -> tuple[float, float, int]:
    """From one read of /proc/stat, since boot: CPU seconds every CPU spent busy (not idle, not
    waiting on I/O, not stolen), CPU seconds the hypervisor stole (the VM wanted a CPU and
    the host ran something else), and context switches (a thread put to sleep and woken, or
    preempted; on this VM one costs about 15 us of CPU)."""
    lines = Path("/proc/stat").read_text().splitlines()
    # user nice system idle iowait irq softirq steal
    values = [int(v) for v in lines[0].split()[1:9]]
    stolen = values[7] / CLOCK_TICKS
    busy = (sum(values) - values[3] - values[4] - values[7]) / CLOCK_TICKS
    switches = next((int(line.split()[1]) for line in lines if line.startswith("ctxt ")), 0)
    return busy, stolen, switches


def next_transaction_id(database_url: str) -> int | None:
    """The server's next transaction id, read without taking one: only writing transactions
    take ids, so the difference over a run counts them (pg_stat_database's counters reach
    the statistics up to seconds late)."""
    import psycopg

    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0])


class CpuMeter:
    """What one measured run cost: CPU per request of gunicorn (master and workers), of
    PostgreSQL and of the whole machine, and requests per writing transaction (a vote batch,
    or a worker's announcement of changed counts). Throughput ratios move with the machine's
    speed; these say where a request's time went."""

    def __init__(self, server: Server, database_url: str) -> None:
        self.server, self.database_url = server, database_url

    def _gunicorn_pids(self) -> list[int]:
        master = self.server.process.pid if self.server.process else None
        return ([master] if master else []) + self.server.workers()

    def __enter__(self) -> CpuMeter:
        self.transactions = next_transaction_id(self.database_url)
        self.start = (process_cpu_s(self._gunicorn_pids()), process_cpu_s(postgres_pids()))
        self.machine = machine_counters()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        gunicorn, postgres = process_cpu_s(self._gunicorn_pids()), process_cpu_s(postgres_pids())
        busy, stolen, switches = machine_counters()
        self.used = (
            cpu_used_s(self.start[0], gunicorn),
            cpu_used_s(self.start[1], postgres),
            busy - self.machine[0],
        )
        # What the host took of the machine's CPUs while the run lasted.
        available = (time.monotonic() - self.started) * (os.cpu_count() or 1)
        self.stolen = (stolen - self.machine[1]) / available if available > 0 else None
        self.switches = switches - self.machine[2]
        self.postgres_seen = bool(postgres)
        after = next_transaction_id(self.database_url)
        self.written = None if None in (after, self.transactions) else after - self.transactions

    def record(self, s: Scenario) -> None:
        if not s.requests:
            return
        gunicorn, postgres, machine = (used * 1e6 / s.requests for used in self.used)
        s.gunicorn_us, s.machine_us = gunicorn, machine
        s.switches = self.switches / s.requests
        s.stolen = self.stolen
        s.postgres_us = postgres if self.postgres_seen else None
        if self.written:
            s.per_transaction = s.requests / self.written


# ---------------------------------------------------------------------------------------------
# HTTP helpers (cookies are handled by hand: production cookies are Secure, and this is http)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, list[str]], bytes]:
    """(status, headers as lists, body), never following redirects."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, message, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, message, body = error.code, error.headers, error.read()
    collected: dict[str, list[str]] = {}
    for name, value in message.items():
        collected.setdefault(name.lower(), []).append(value)
    return status, collected, body


def cookie_from(headers: dict[str, list[str]], suffix: str) -> str | None:
    """'name=value' of the Set-Cookie whose name ends with ``suffix`` (e.g. csrftoken)."""
    for header in headers.get("set-cookie", []):
        pair = header.split(";", 1)[0].strip()
        name = pair.split("=", 1)[0]
        if name.endswith(suffix) and "=" in pair and pair.split("=", 1)[1]:
            return pair
    return None


def page_csrf_token(body: bytes) -> str | None:
    match = re.search(rb"""hx-headers='\{"x-csrftoken":\s*"([^"]+)"\}'""", body)
    return match.group(1).decode() if match else None


def login(base: str, password: str) -> str:
    """Log the bench user in through the login form; returns the cookies a browser holds after
    it ('session=…; csrftoken=…': Django gives a new CSRF cookie with the login, and a browser
    that logged in always sends it back)."""
    status, headers, body = fetch(base + "/accounts/login/")
    csrf_cookie = cookie_from(headers, "csrftoken")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not csrf_cookie or not match:
        raise BenchError(f"Login page: status {status}, CSRF cookie or token missing.")
    form = urllib.parse.urlencode(
        {
            "username": BENCH_USER,
            "password": password,
            "csrfmiddlewaretoken": match.group(1).decode(),
        }
    ).encode()
    status, headers, _ = fetch(
        base + "/accounts/login/",
        data=form,
        headers={"Cookie": csrf_cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    session = cookie_from(headers, "sessionid")
    if status != 302 or not session:
        raise BenchError(f"Login POST answered {status} without a session cookie.")
    return f"{session}; {cookie_from(headers, 'csrftoken') or csrf_cookie}"


# ---------------------------------------------------------------------------------------------
# wrk


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    method: str = "GET"
    cookie: str | None = None
    logged_in: bool = False
    problem: str | None = None  # what went wrong before or while measuring (fails its target)
    # results
    requests_per_s: float = 0.0
    ratio: float | None = None
    ceiling: float | None = None  # what the ratio divides by: the ceiling around this run
    p50_ms: float | None = None
    p99_ms: float | None = None
    p50_censored: bool = False  # at least this much: wrk timed the slowest requests out
    p99_censored: bool = False
    requests: int = 0
    timeouts: int = 0
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    errors: int = 0
    bytes: int = 0
    status: int = 0
    queries: int | None = None
    queries_cold: int | None = None
    queries_uncached: int | None = None  # with SHIPSKIP_PAGE_CACHE off, when the setting exists
    # CPU per request during the measured run (CpuMeter): gunicorn's processes, PostgreSQL's,
    # the whole machine's busy time; and requests per writing PostgreSQL transaction.
    gunicorn_us: float | None = None
    postgres_us: float | None = None
    machine_us: float | None = None
    per_transaction: float | None = None
    switches: float | None = None  # context switches, machine-wide
    stolen: float | None = None  # share of the CPUs' time the hypervisor took during the run
    extra: dict = field(default_factory=dict)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise BenchError(f"Unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict:
    result: dict = {
        "p50_ms": None,
        "p99_ms": None,
        "socket_errors": 0,
        "timeouts": 0,
        "non_2xx_3xx": 0,
        "requests": 0,
    }
    for line in output.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"(50|99)%\s+(\S+)", line):
            result[f"p{match.group(1)}_ms"] = _ms(match.group(2))
        elif match := re.match(r"(\d+) requests in", line):
            result["requests"] = int(match.group(1))
        elif match := re.match(r"Requests/sec:\s+([\d.]+)", line):
            result["requests_per_s"] = float(match.group(1))
        elif line.startswith("Socket errors:"):
            numbers = [int(n) for n in re.findall(r"\d+", line)]
            result["socket_errors"] = sum(numbers)
            result["timeouts"] = numbers[-1] if len(numbers) == 4 else 0
        elif match := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            result["non_2xx_3xx"] = int(match.group(1))
        elif match := re.match(r"BENCH_VOTES sent=(\d+) elapsed=([\d.]+)", line):
            result["votes_sent"] = int(match.group(1))
            result["votes_elapsed"] = float(match.group(2))
    if "requests_per_s" not in result:
        raise BenchError(f"wrk printed no Requests/sec:\n{output}")
    if "votes_sent" in result:
        # vote.lua drained every connection before wrk stopped: each request wrk counts is
        # answered, and wrk counts the answers of 400 or more itself.
        result["votes_answered"] = result["requests"]
        result["votes_ok"] = result["requests"] - result["non_2xx_3xx"]
    if result.get("votes_elapsed"):
        # wrk divides by its whole -d, idle tail included; vote.lua timed the busy part.
        result["wrk_requests_per_s"] = result["requests_per_s"]
        result["requests_per_s"] = result["requests"] / result["votes_elapsed"]
    # wrk leaves requests slower than its timeout (2 s) out of the latency figures and counts
    # them as timeouts: past 1 % (50 %) of the requests, p99 (p50) is at least the timeout.
    if result["requests"] == 0:
        result["p50_ms"] = result["p99_ms"] = None
    slow = result["timeouts"] / max(1, result["requests"] + result["timeouts"])
    result["p99_censored"] = slow >= 0.01 or result["requests"] == 0
    result["p50_censored"] = slow >= 0.5 or result["requests"] == 0
    for key in ("p50", "p99"):
        if result[f"{key}_censored"]:
            result[f"{key}_ms"] = max(result[f"{key}_ms"] or 0, WRK_TIMEOUT_MS)
    return result


def run_wrk(
    wrk: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    cookie: str | None = None,
    script: Path | None = None,
    env: dict[str, str] | None = None,
    name: str,
) -> dict:
    command = [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    result = subprocess.run(
        command,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    shown = " ".join(command).replace(cookie or "\0", "<session and CSRF cookies>")
    (OUT / f"wrk-{name}.txt").write_text(
        shown + "\n" + result.stdout + result.stderr, encoding="utf-8"
    )
    if result.returncode != 0:
        raise BenchError(f"wrk failed (exit {result.returncode}): {result.stderr.strip()}")
    return parse_wrk(result.stdout)


# ---------------------------------------------------------------------------------------------
# Targets


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def votes_pass(votes: dict) -> bool:
    return (
        votes["ok"] > 0
        and votes["rows_added"] == votes["ok"]
        and votes["counts_added"] == votes["ok"]
    )


def check_targets(scenarios: dict[str, Scenario], figures: dict) -> list[Check]:
    checks: list[Check] = []

    def page(key: str, ratio: float, p99: float) -> None:
        s = scenarios[key]
        ok = (
            s.problem is None
            and s.ratio is not None
            and s.ratio >= ratio
            and s.p99_ms is not None
            and s.p99_ms <= p99
            and s.errors == 0
        )
        detail = (
            f"ratio {_fmt(s.ratio, '.2f')} (≥ {ratio}), "
            f"p99 {_latency(s.p99_ms, s.p99_censored)} ms (≤ {p99:g}), {s.errors} errors"
        )
        if s.problem:
            detail += f"; {s.problem}"
        checks.append(Check(s.label, ok, detail))

    page("tool", 0.5, 100)
    page("curated", 0.5, 100)
    for key in ("home", "directory", "search", "adhoc"):
        page(key, 0.35, 150)
    page("logged_in", 0.3, 150)
    page("vote", 0.3, 150)
    votes = figures["votes"]
    checks.append(
        Check(
            "No lost votes",
            votes_pass(votes),
            f"{votes['ok']} answered 200; votes table +{votes['rows_added']}, "
            f"community counts +{votes['counts_added']}",
        )
    )
    worst = max(
        (s for s in scenarios.values() if s.queries is not None),
        key=lambda s: s.queries,
        default=None,
    )
    if figures.get("query_error") or worst is None:
        error = figures.get("query_error") or "no scenario was counted"
        checks.append(Check("No page over 8 queries", False, f"could not count: {error}"))
    else:
        checks.append(
            Check(
                "No page over 8 queries",
                worst.queries <= 8,
                f"most: {worst.label}, {worst.queries} queries",
            )
        )
    memory = figures["worker_peak_mb"]
    checks.append(Check("Worker peak memory < 150 MB", memory < 150, f"{memory:.1f} MB"))
    html = figures["comparison_html_kb"]
    checks.append(Check("Comparison HTML < 60 KB", html < 60, f"{html:.1f} KB"))
    js = figures["js_gzip_kb"]
    js_error = figures.get("js_error")
    checks.append(
        Check(
            "JavaScript < 25 KB compressed",
            js < 25 and not js_error,
            f"{js:.1f} KB gzip" + (f"; {js_error}" if js_error else ""),
        )
    )
    return checks


# ---------------------------------------------------------------------------------------------
# Output


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}%"


def _latency(value: float | None, censored: bool) -> str:
    return ("≥" if censored else "") + _fmt(value, ".1f")


def markdown(scenarios: dict[str, Scenario], checks: list[Check], figures: dict, meta: dict) -> str:
    lines = [
        "# Ship or Skip benchmark results",
        "",
        f"{meta['date']} · commit `{meta['commit']}` · {meta['machine']} · "
        f"wrk -t{WRK_THREADS} -c{meta['connections']} -d{meta['duration']:g}s "
        f"(after a {meta['warmup']:g} s warm-up) · gunicorn {meta['gunicorn']} · "
        f"{meta['catalog']} · load average {meta['load_average_before'][0]:.1f} before, "
        f"{meta['load_average_after'][0]:.1f} after",
        "",
        "| scenario | req/s | ceiling around it | ratio to ceiling | p50 ms | p99 ms | errors "
        "| bytes | queries |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in scenarios.values():
        lines.append(
            f"| {s.label} | {s.requests_per_s:.0f} | {_fmt(s.ceiling, '.0f')} | "
            f"{_fmt(s.ratio, '.2f')} | "
            f"{_latency(s.p50_ms, s.p50_censored)} | {_latency(s.p99_ms, s.p99_censored)} | "
            f"{s.errors} | {s.bytes} | "
            f"{'—' if s.queries is None else s.queries} |"
        )
    votes = figures["votes"]
    runs = figures.get("ceiling_runs")
    lines += [
        "",
        *(
            [
                f"- Ceiling measured first ({meta['duration']:g} s) and again after every page "
                f"({max(1, round(meta['duration'] / 2))} s): "
                f"{', '.join(f'{run:.0f}' for run in runs)} req/s "
                f"({min(runs):.0f}–{max(runs):.0f}); each page's ratio divides by the higher "
                "of the two runs around it."
            ]
            if runs
            else []
        ),
        f"- Votes: {votes['ok']} answered 200 ({votes['sent']} sent); votes table "
        f"+{votes['rows_added']}, community counts +{votes['counts_added']} → "
        f"{'PASS' if votes_pass(votes) else 'FAIL'}.",
        f"- Worker peak memory (VmHWM): {figures['worker_peak_mb']:.1f} MB over "
        f"{figures['workers_seen']} worker processes seen (recycled after max_requests).",
        f"- Curated comparison page: {figures['comparison_html_kb']:.1f} KB of HTML; its "
        f"JavaScript {figures['js_gzip_kb']:.1f} KB gzip ({figures['js_raw_kb']:.1f} KB raw: "
        f"{', '.join(figures['js_files']) or 'none'}).",
    ]
    uncached = [
        s for s in scenarios.values() if s.queries_uncached is not None and s.key != "ceiling"
    ]
    if uncached:
        lines.append(
            "- Queries with the page cache off (a full render, second request): "
            + ", ".join(f"{s.label} {s.queries_uncached}" for s in uncached)
            + "."
        )
    costed = [s for s in scenarios.values() if s.machine_us]
    if costed:
        ceiling = scenarios["ceiling"].machine_us
        lines += [
            "",
            "## Cost per request",
            "",
            "CPU time during each measured run divided by its requests: gunicorn's processes "
            "(all threads), PostgreSQL's, and every CPU's busy time (wrk's included, time the "
            "hypervisor stole not); the "
            "machine's time as a multiple of the ceiling's, the inverse of the ratio a page "
            "reaches when the machine is its limit; and requests per writing PostgreSQL "
            "transaction (votes: the batch size; the workers' count announcements are "
            "transactions too); context switches on every CPU per request (wrk's included); "
            "the share of the CPUs' time the hypervisor gave to others during the run (steal: "
            "a run with much of it measured a slower machine than the ceiling beside it).",
            "",
            "| scenario | gunicorn µs | PostgreSQL µs | machine µs | × ceiling | per write "
            "| switches | stolen |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in costed:
            times = s.machine_us / ceiling if ceiling else None
            lines.append(
                f"| {s.label} | {_fmt(s.gunicorn_us, '.0f')} | {_fmt(s.postgres_us, '.0f')} | "
                f"{s.machine_us:.0f} | {_fmt(times, '.2f')} | {_fmt(s.per_transaction, '.1f')} "
                f"| {_fmt(s.switches, '.1f')} | {_percent(s.stolen)} |"
            )
    problems = [s for s in scenarios.values() if s.problem]
    if problems or figures.get("query_error"):
        lines += ["", "## Problems", ""]
        lines += [f"- {s.label}: {s.problem}" for s in problems]
        if figures.get("query_error"):
            lines.append(f"- Query counts: {figures['query_error']}")
    lines += ["", "## Targets", ""]
    for check in checks:
        lines.append(f"- {'PASS' if check.ok else 'FAIL'} — {check.name}: {check.detail}")
    failed = sum(not c.ok for c in checks)
    lines += [
        "",
        f"**{'All targets met' if not failed else f'{failed} of {len(checks)} targets missed'}.**",
        "",
        "## Scenarios",
        "",
    ]
    for s in scenarios.values():
        extra = (
            " (with the session and CSRF cookies of the bench user's browser)"
            if s.logged_in
            else ""
        )
        lines.append(f"- {s.label}: `{s.method} {s.path}`{extra}")
    lines.append("")
    return "\n".join(lines)


def load_average() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return [0.0, 0.0, 0.0]


def git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        # The bench's own results do not count: the second run in a clone rewrote only them.
        excluded = [f":(exclude){path.relative_to(ROOT)}" for path in (RESULTS_MD, RESULTS_JSON)]
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *excluded],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return result.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--quick", action="store_true", help="3 s runs after a 1 s warm-up")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenario keys to measure (the ceiling always runs), for tuning: "
        "home,directory,search,tool,curated,adhoc,logged_in,vote",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3, 1
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1–600 s and --warmup 0–60 s")
    if not 2 <= args.connections <= 1000:
        parser.error("--connections must be 2–1000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # BENCH_WRK names another wrk binary (or, for a test, a missing one).
    wrk = os.environ.get("BENCH_WRK") or shutil.which("wrk") or "/usr/bin/wrk"
    if not (Path(wrk).is_file() and os.access(wrk, os.X_OK)):
        print(WRK_INSTALL, file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "manage.log").write_text("", encoding="utf-8")
    try:
        return run(args, wrk)
    except BenchError as error:
        print(f"\nBenchmark could not run: {error}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, wrk: str) -> int:
    started = time.perf_counter()
    database_url = bench_database_url()
    created = ensure_database(database_url)
    shown = re.sub(r"//[^@/]*@", "//…@", database_url)
    log(f"Database {shown} ({'created' if created else 'exists'})")
    env = bench_env(database_url, secrets.token_urlsafe(50))

    log("Preparing: migrate, load_demo, scale_catalog, collectstatic")
    manage(env, "migrate", "--noinput", quiet=True)
    manage(env, "load_demo")
    scale_output = manage(env, "scale_catalog", timeout=600)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0", quiet=True)
    password = secrets.token_urlsafe(24)
    setup = json_from(
        manage({**env, "BENCH_USER_PASSWORD": password}, "shell", "-c", SETUP_CODE, quiet=True)
    )
    log(f"Bench user ready; curated comparison {setup['curated_url']}, ad-hoc {setup['adhoc_url']}")
    log(
        f"Earlier runs' {setup['removed_votes']} votes and {setup['removed_counters']} expired "
        "rate-limit counters removed, tools recounted"
    )
    vacuum_started = time.perf_counter()
    autovacuum = vacuum(database_url)
    log(
        f"VACUUM {time.perf_counter() - vacuum_started:.1f} s"
        + ("" if autovacuum else " (autovacuum is off on this server)")
    )

    scenarios = {
        s.key: s
        for s in [
            Scenario("ceiling", "Ceiling (/healthz)", "/healthz"),
            Scenario("home", "Home", "/"),
            Scenario(
                "directory",
                "Directory, filtered",
                "/tools/?verdict=ship&sort=score&category=developer-tools",
            ),
            Scenario("search", "Search", "/tools/?q=code+model"),
            Scenario("tool", "Tool page", "/tools/bench-tool-0500/"),
            Scenario("curated", "Curated comparison", setup["curated_url"]),
            Scenario("adhoc", "Ad-hoc 3-tool comparison", setup["adhoc_url"]),
            Scenario("logged_in", "Logged-in comparison", setup["curated_url"], logged_in=True),
            Scenario("vote", "Vote POST", "/votes/<bench tool>/", method="POST"),
        ]
    }

    load_before = load_average()
    if load_before[0] > (os.cpu_count() or 1):
        log(
            f"Note: the machine is busy (load average {load_before[0]:.1f} on {os.cpu_count()} "
            "CPUs); figures will be lower and noisier than on an idle machine."
        )
    server = Server(env)
    sampler = MemorySampler(server)
    log(f"Starting gunicorn on {server.base} (log: {server.log_path.relative_to(ROOT)})")
    try:
        server.start()
        sampler.start()
        figures = measure(args, wrk, server, scenarios, setup, password, database_url)
    finally:
        if sampler.is_alive():
            sampler.stop()
        server.stop()

    figures["worker_peak_mb"] = max(sampler.peaks.values(), default=0) / 1024
    figures["workers_seen"] = len(sampler.peaks)

    log("Counting queries per page (test client, second request)")
    spec = [
        {
            "key": s.key,
            "path": f"/votes/{setup['last_slug']}/" if s.key == "vote" else s.path,
            "method": s.method,
            "logged_in": s.logged_in,
        }
        for s in scenarios.values()
    ]
    try:
        counted = json_from(
            manage(
                {**env, "BENCH_QUERY_SPEC": json.dumps(spec)}, "shell", "-c", QUERY_CODE, quiet=True
            )
        )
    except (BenchError, subprocess.TimeoutExpired) as error:
        figures["query_error"] = str(error).splitlines()[-1][:300]
        log(f"  Query counts failed: {figures['query_error']} (see bench/out/manage.log)")
        counted = {}
    for key, result in counted.items():
        scenario = scenarios[key]
        scenario.queries, scenario.queries_cold = result["warm"], result["cold"]
        scenario.queries_uncached = result.get("uncached")
        scenario.extra["query_statuses"] = result["statuses"]
        scenario.extra["warm_sql"] = result["sql"]
        if any(status != 200 for status in result["statuses"]):
            note = f"the test client got {result['statuses']}"
            scenario.problem = f"{scenario.problem}; {note}" if scenario.problem else note

    checks = check_targets(scenarios, figures)
    workers = os.environ.get("WEB_CONCURRENCY", "3")
    threads = os.environ.get("GUNICORN_THREADS", "8")
    running = os.environ.get("GUNICORN_RUNNING_THREADS", "4")
    scale_line = next(
        (line for line in scale_output.splitlines() if line.startswith(("Scaled", "The catalog"))),
        "",
    )
    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} CPUs",
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "gunicorn": f"{workers} workers × {threads} threads, {running} running (gthread)",
        "catalog": f"{setup['bench_tools']} bench tools",
        "scale_catalog": scale_line,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "autovacuum": autovacuum,
    }
    report = markdown(scenarios, checks, figures, meta)
    print("\n" + report)
    RESULTS_MD.write_text(report, encoding="utf-8")
    results = {
        "meta": meta,
        "scenarios": {
            key: {k: v for k, v in asdict(s).items() if k not in ("cookie", "extra")}
            | {"query_statuses": s.extra.get("query_statuses")}
            for key, s in scenarios.items()
        },
        "figures": figures,
        "targets": [asdict(check) for check in checks],
        "passed": all(check.ok for check in checks),
    }
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (OUT / "warm-queries.json").write_text(
        json.dumps({k: s.extra.get("warm_sql") for k, s in scenarios.items()}, indent=2),
        encoding="utf-8",
    )
    log(f"Wrote bench/results.md and bench/results.json ({meta['elapsed_s']:.0f} s in all).")
    return 0 if results["passed"] else 1


def measure(
    args: argparse.Namespace,
    wrk: str,
    server: Server,
    scenarios: dict[str, Scenario],
    setup: dict,
    password: str,
    database_url: str,
) -> dict:
    base = server.base
    figures: dict = {}

    skip: set[str] = set()  # scenarios that cannot be measured meaningfully
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    for key in scenarios:
        if only and key != "ceiling" and key not in only:
            scenarios[key].problem = "left out by --only"
            skip.add(key)
    try:
        scenarios["logged_in"].cookie = login(base, password)
    except BenchError as error:
        scenarios["logged_in"].problem = str(error)
        skip.add("logged_in")

    # Every GET answers 200 as wrk will request it (no redirect, no cookie unless logged in),
    # and the logged-in page really is logged in. A page that does not is still measured (its
    # errors show) but fails its target.
    for s in scenarios.values():
        if s.method != "GET" or s.key in skip:
            continue
        headers = {"Cookie": s.cookie} if s.cookie else {}
        status, _, body = fetch(base + s.path, headers=headers)
        s.status, s.bytes = status, len(body)
        if status != 200:
            s.problem = f"GET {s.path} answered {status}, not 200"
        elif s.key != "ceiling":
            marker = b"Log out" if s.logged_in else b"Log in"
            if marker not in body:
                s.problem = f"the page does not show {marker.decode()!r}"
                if s.logged_in:
                    skip.add(s.key)  # it would measure the anonymous page

    # The vote POST: a CSRF token from a page and the cookie that came with it, no voter cookie.
    status, headers, body = fetch(base + "/accounts/login/")
    csrf_cookie, token = cookie_from(headers, "csrftoken"), page_csrf_token(body)
    vote = scenarios["vote"]
    if not csrf_cookie or not token:
        vote.problem = "no CSRF cookie or hx-headers token on /accounts/login/"
        skip.add("vote")
    else:
        vote_headers = {
            "Cookie": csrf_cookie,
            "X-CSRFToken": token,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        vote_url = f"{base}/votes/{setup['last_slug']}/"
        status, headers, body = fetch(vote_url, headers=vote_headers, data=b"value=ship")
        vote.status, vote.bytes = status, len(body)
        if status != 200 or not cookie_from(headers, "shipskip_voter"):
            vote.problem = f"a single vote POST answered {status}"
    figures["votes"] = {
        "ok": 0,
        "sent": 0,
        "answered": 0,
        "answered_400_or_more": 0,
        "rows_added": 0,
        "counts_added": 0,
        "lost": 0,
        "extra": 0,
        "counts_differ": 0,
    }
    vote_env = {
        "BENCH_CSRF_TOKEN": token or "",
        "BENCH_CSRF_COOKIE": csrf_cookie or "",
        "BENCH_VOTE_TOOLS": str(setup["bench_tools"]),
        "BENCH_VOTE_PREFIX": "bench-tool-",
        "BENCH_VOTE_CONNECTIONS_PER_THREAD": str(args.connections // WRK_THREADS),
    }

    log(
        f"Measuring {len(scenarios)} scenarios: {args.warmup:g} s warm-up + {args.duration:g} s, "
        f"{args.connections} connections"
    )
    log(f"  {'scenario':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    # The machine's speed drifts by a fifth within minutes (a shared VM; seen: 3,341 req/s at
    # the start of a run and 2,801 at its end), so each page is compared with the ceiling
    # measured just before it and just after it, and divides by the higher of the two: a slow
    # moment in a ceiling run cannot flatter a page, and a page is not held to the speed the
    # machine had minutes away. The runs after the first are shorter and need no warm-up.
    ceiling_runs: list[float] = []

    def ceiling_check(name: str) -> float:
        return run_wrk(
            wrk,
            base + "/healthz",
            seconds=max(1, round(args.duration / 2)),
            connections=args.connections,
            name=name,
        )["requests_per_s"]

    for s in scenarios.values():
        if s.key in skip:
            log(f"  {s.label:<26} not measured: {s.problem}")
            continue
        script = BENCH / "vote.lua" if s.key == "vote" else None
        url = base + ("/" if s.key == "vote" else s.path)

        def once(seconds: float, name: str, url=url, s=s, script=script) -> dict:
            if script is None:
                return run_wrk(
                    wrk,
                    url,
                    seconds=seconds,
                    connections=args.connections,
                    cookie=s.cookie,
                    name=name,
                )
            # Sends for `seconds`, then drains; wrk's own deadline is only a backstop.
            return run_wrk(
                wrk,
                url,
                seconds=seconds + VOTE_BACKSTOP_S,
                connections=args.connections,
                script=script,
                env={**vote_env, "BENCH_VOTE_SECONDS": f"{seconds:g}"},
                name=name,
            )

        if args.warmup:
            once(args.warmup, f"{s.key}-warmup")
        if s.key == "vote":
            before = db_vote_totals(database_url)
        with CpuMeter(server, database_url) as cost:
            result = once(args.duration, s.key)
        s.requests_per_s = result["requests_per_s"]
        s.p50_ms, s.p99_ms = result["p50_ms"], result["p99_ms"]
        s.p50_censored, s.p99_censored = result["p50_censored"], result["p99_censored"]
        s.requests, s.timeouts = result["requests"], result["timeouts"]
        s.non_2xx_3xx, s.socket_errors = result["non_2xx_3xx"], result["socket_errors"]
        s.errors = s.non_2xx_3xx + s.socket_errors
        cost.record(s)
        if s.key == "vote":
            figures["votes"] = vote_accounting(database_url, before, result)
            s.extra["votes"] = figures["votes"]
        around = ""
        if s.key == "ceiling":
            ceiling_runs.append(s.requests_per_s)
            s.ceiling = s.requests_per_s
        elif ceiling_runs:
            after = ceiling_check(f"ceiling-after-{s.key}")
            s.ceiling = max(ceiling_runs[-1], after)
            around = f"   ceiling {ceiling_runs[-1]:.0f} before, {after:.0f} after"
            ceiling_runs.append(after)
        log(
            f"  {s.label:<26} {s.requests_per_s:>8.0f} {_latency(s.p50_ms, s.p50_censored):>8} "
            f"{_latency(s.p99_ms, s.p99_censored):>8} {s.errors:>7}{around}"
        )

    figures["ceiling_runs"] = ceiling_runs
    for s in scenarios.values():
        if s.key not in skip and s.ceiling:
            s.ratio = s.requests_per_s / s.ceiling

    # The comparison page's weight: its HTML, and its scripts as served gzip-compressed.
    _, _, page = fetch(base + setup["curated_url"])
    figures["comparison_html_kb"] = len(page) / 1024
    js_files, gzip_bytes, raw_bytes = [], 0, 0
    for src in re.findall(rb'<script[^>]*\bsrc="([^"]+)"', page):
        src_url = urllib.parse.urljoin(base + setup["curated_url"], src.decode())
        status, headers, body = fetch(src_url, headers={"Accept-Encoding": "gzip"})
        if status != 200:
            figures["js_error"] = f"{src_url} answered {status}"
            continue
        if "gzip" in " ".join(headers.get("content-encoding", [])):
            compressed, raw = len(body), len(gzip.decompress(body))
        else:
            compressed, raw = len(gzip.compress(body, 9)), len(body)
        js_files.append(urllib.parse.urlsplit(src_url).path.rsplit("/", 1)[-1])
        gzip_bytes += compressed
        raw_bytes += raw
    figures["js_files"] = js_files
    figures["js_gzip_kb"] = gzip_bytes / 1024
    figures["js_raw_kb"] = raw_bytes / 1024
    return figures


def vote_accounting(database_url: str, before: tuple[int, int], result: dict) -> dict:
    """Compare the vote run's 200 answers with what reached the database."""
    if "votes_ok" not in result:
        raise BenchError("bench/vote.lua printed no BENCH_VOTES line.")
    # wrk drained before exiting, so every counted request is finished; wait until the totals
    # stop moving anyway (bounded), in case the server is still writing.
    after = db_vote_totals(database_url)
    for _ in range(20):
        time.sleep(0.25)
        again = db_vote_totals(database_url)
        if again == after:
            break
        after = again
    rows, counts = after[0] - before[0], after[1] - before[1]
    ok = result["votes_ok"]
    return {
        "ok": ok,
        "sent": result["votes_sent"],
        "answered": result["votes_answered"],
        "answered_400_or_more": result["non_2xx_3xx"],
        "busy_seconds": result["votes_elapsed"],
        "wrk_requests_per_s": result.get("wrk_requests_per_s"),
        "rows_added": rows,
        "counts_added": counts,
        # Both ways: a 200 without its vote is lost; a vote without a 200 is counted unseen.
        "lost": max(0, ok - rows),
        "extra": max(0, rows - ok),
        "counts_differ": counts - ok,
    }


if __name__ == "__main__":
    sys.exit(main())
