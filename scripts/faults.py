"""Fault-injection proof for the production stack (gunicorn + PostgreSQL, DEBUG off).

    .venv/bin/python scripts/faults.py

Starts a private PostgreSQL 15 cluster and gunicorn on loopback ports, then

A. restarts PostgreSQL during a mixed stream of requests: errors only while the database is down,
   liveness always 200, readiness 503 (fast) while down, full service within 5 s after it is
   back, and the same gunicorn master with its workers alive;
B. sends SIGTERM to the gunicorn master under load: every request already written completes;
C. counts votes: the Vote rows per tool equal the 200 vote answers received, and each tool's
   community_ships/community_skips equal its Vote rows.

Prints a short report, writes it as JSON to bench/out/faults.json and exits 0 when every check
holds. Everything it starts (gunicorn, the cluster, the temporary folder) is torn down at the end.
Linux only (reads /proc); run as root (PostgreSQL runs as the system user `postgres`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import http.client
import itertools
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from localstack import HOST, Postgres, free_port, live_children, run

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
OUT_FILE = ROOT / "bench" / "out" / "faults.json"

CLIENTS = 8  # concurrent client threads
REQUEST_TIMEOUT = 5.0  # seconds, every request
COMPARE_PATH = "/compare/code-llama-4-vs-mistral-3-small/"
COMPARE4_PATH = "/compare/claude-code-vs-code-llama-4-vs-cursor-vs-github-copilot/"
VOTE_TOOLS = ("code-llama-4", "mistral-3-small", "github-copilot", "cursor")
CSRF_COOKIE = "__Host-csrftoken"
VOTER_COOKIE = "__Host-shipskip_voter"

# Fault A: a mixed stream of this length; PostgreSQL stops at STOP_AT and stays down DOWN_FOR.
A_DURATION, A_STOP_AT, A_DOWN_FOR = 20.0, 5.0, 3.0
A_GRACE_BEFORE, A_RECOVERY_LIMIT, A_READY_LATENCY_LIMIT = 1.0, 5.0, 2.0
# Fault B: SIGTERM this long into the stream; the stream stops shortly after the master exits.
B_TERM_AT, B_AFTER_EXIT = 3.0, 0.5
GRACEFUL_TIMEOUT = 30.0  # gunicorn.conf.py
MAX_REQUESTS_PER_CLIENT = 20_000  # a bound on every request loop besides its deadline

T0 = time.monotonic()


def now() -> float:
    """Seconds since the script started (monotonic)."""
    return time.monotonic() - T0


# --- HTTP client ---------------------------------------------------------------------------------


@dataclass
class Rec:
    """One request: what was asked, when, and how it ended."""

    kind: str  # healthz, readyz, page, compare, vote
    method: str
    path: str
    t_start: float
    tool: str | None = None
    value: str | None = None
    t_written: float | None = None  # connection established and request written
    t_end: float = 0.0
    status: int | None = None
    error: str | None = None
    stage: str | None = None  # where an exception happened: connect, send, response
    new_voter: bool = False  # the answer set a fresh voter cookie

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200

    @property
    def server_error(self) -> bool:
        return self.error is not None or (self.status is not None and self.status >= 500)

    @property
    def latency(self) -> float:
        return self.t_end - self.t_start

    def brief(self, origin: float) -> dict:
        return {
            "t": round(self.t_start - origin, 3),
            "latency_s": round(self.latency, 3),
            "endpoint": f"{self.method} {self.path}",
            "status": self.status,
            "error": self.error,
            "stage": self.stage,
        }


def fetch(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def send(port: int, kind: str, method: str, path: str, *, body=None, headers=None, **extra) -> Rec:
    """One recorded request on a fresh connection; never raises for network or HTTP errors."""
    rec = Rec(kind=kind, method=method, path=path, t_start=now(), **extra)
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    stage = "connect"
    try:
        conn.connect()
        stage = "send"
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        rec.t_written = now()
        stage = "response"
        resp = conn.getresponse()
        resp.read()
        rec.status = resp.status
        cookies = resp.headers.get_all("Set-Cookie") or []
        rec.new_voter = any(c.startswith(f"{VOTER_COOKIE}=") for c in cookies)
    except (OSError, http.client.HTTPException) as exc:
        rec.error = f"{type(exc).__name__}: {exc}"
        rec.stage = stage
    finally:
        conn.close()
        rec.t_end = now()
    return rec


class Client:
    """Anonymous visitors: one CSRF token for all, and never a voter cookie (each vote is a new
    voter, so each 200 vote answer is exactly one new Vote row)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.token, self.cookie = self._csrf()
        self._votes = itertools.count()
        self._pages = itertools.count()

    def _csrf(self) -> tuple[str, str]:
        status, headers, body = fetch(self.port, "GET", COMPARE_PATH)
        if status != 200:
            raise RuntimeError(f"GET {COMPARE_PATH} answered {status}")
        match = re.search(r"hx-headers='(\{[^']*\})'", body.decode())
        if not match:
            raise RuntimeError("no hx-headers attribute with the CSRF token on <body>")
        token = json.loads(match.group(1))["x-csrftoken"]
        for header in headers.get_all("Set-Cookie") or []:
            cookie = re.match(rf"{re.escape(CSRF_COOKIE)}=([^;]+)", header)
            if cookie:
                return token, cookie.group(1)
        raise RuntimeError(f"no {CSRF_COOKIE} cookie in the answer to GET {COMPARE_PATH}")

    def get(self, kind: str, path: str) -> Rec:
        return send(self.port, kind, "GET", path)

    def tool_page(self) -> Rec:
        slug = VOTE_TOOLS[next(self._pages) % len(VOTE_TOOLS)]
        return self.get("page", f"/tools/{slug}/")

    def vote(self) -> Rec:
        k = next(self._votes)  # itertools.count is atomic under the GIL
        tool = VOTE_TOOLS[k % len(VOTE_TOOLS)]
        value = ("ship", "skip")[(k // len(VOTE_TOOLS)) % 2]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.token,
            "Cookie": f"{CSRF_COOKIE}={self.cookie}",
            "HX-Request": "true",
        }
        body = urlencode({"value": value}).encode()
        return send(
            self.port, "vote", "POST", f"/votes/{tool}/", body=body, headers=headers,
            tool=tool, value=value,
        )  # fmt: skip


def stream(plan, stop: threading.Event, deadline: float, pool: cf.ThreadPoolExecutor):
    """Start CLIENTS loops calling plan(client_index, n) until stop or deadline; futures."""

    def loop(i: int) -> list[Rec]:
        recs: list[Rec] = []
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if stop.is_set() or now() >= deadline:
                break
            rec = plan(i, n)
            recs.append(rec)
            if rec.stage == "connect":
                time.sleep(0.05)  # nothing listens: do not spin
        return recs

    return [pool.submit(loop, i) for i in range(CLIENTS)]


def sleep_until(t: float) -> None:
    time.sleep(max(0.0, t - now()))


# --- PostgreSQL and gunicorn ---------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict, port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen | None = None
        self.expected_workers = int(env.get("WEB_CONCURRENCY", "3"))
        self._known_workers: set[int] = set()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> float:
        """Start the master and wait for /healthz and all workers; seconds it took."""
        started = now()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "shipskip.wsgi"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = started + 30
        while now() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}; see its log")
            with contextlib.suppress(OSError, http.client.HTTPException):
                healthy = fetch(self.port, "GET", "/healthz")[0] == 200
                if healthy and len(self.workers()) >= self.expected_workers:
                    return now() - started
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 30 s")

    def workers(self) -> list[int]:
        workers = live_children(self.pid)
        self._known_workers.update(workers)
        return workers

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> bool:
        assert self.proc is not None
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.alive():
            self.workers()
            self.proc.send_signal(signal.SIGTERM)
            if not self.wait(GRACEFUL_TIMEOUT + 5):
                self.proc.kill()
                self.wait(5)
        # Workers notice a dead master within a second; make sure of it, by their own ids.
        for pid in self._known_workers:
            with contextlib.suppress(OSError):
                if "gunicorn" in Path(f"/proc/{pid}/cmdline").read_text():
                    os.kill(pid, signal.SIGKILL)


class Stack:
    """The temporary folder, the cluster and gunicorn; teardown() undoes all of it."""

    def __init__(self) -> None:
        self.base: Path | None = None
        self.opened_parents: list[tuple[Path, int]] = []
        self.pg: Postgres | None = None
        self.gunicorn: Gunicorn | None = None
        self.env: dict = {}
        self.timings: dict[str, float] = {}

    def setup(self) -> None:
        t = now()
        self.base = Path(tempfile.mkdtemp(prefix="shipskip-faults-"))
        postgres = pwd.getpwnam("postgres")
        os.chown(self.base, postgres.pw_uid, postgres.pw_gid)
        os.chmod(self.base, 0o700)
        for parent in self.base.parents:  # postgres must reach its folder
            mode = stat.S_IMODE(parent.stat().st_mode)
            if not mode & stat.S_IXOTH:
                os.chmod(parent, mode | stat.S_IXOTH)
                self.opened_parents.append((parent, mode))

        self.pg = Postgres(self.base, "data", free_port())
        self.pg.init()
        self.pg.start()
        import psycopg

        with psycopg.connect(self.pg.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE shipskip")
        self.timings["postgres_s"] = round(now() - t, 2)

        t = now()
        gunicorn_port = free_port()
        while gunicorn_port == self.pg.port:
            gunicorn_port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PORT"}}
        env.update(
            DJANGO_SETTINGS_MODULE="shipskip.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DATABASE_URL=self.pg.url(),
            SHIPSKIP_VOTE_RATE="1000000/m",
            SHIPSKIP_VOTE_RATE_PER_ADDRESS="1000000/m",
            SHIPSKIP_API_RATE="1000000/m",
            GUNICORN_BIND=f"{HOST}:{gunicorn_port}",
        )
        self.env = env
        python = str(VENV_BIN / "python")
        for args in (["migrate", "--noinput"], ["load_demo"], ["collectstatic", "--noinput"]):
            run([python, "manage.py", *args, "--verbosity", "0"], cwd=ROOT, env=env, timeout=180)
        self.timings["django_setup_s"] = round(now() - t, 2)

        self.gunicorn = Gunicorn(env, gunicorn_port, self.base / "gunicorn.log")
        self.timings["gunicorn_start_s"] = round(self.gunicorn.start(), 2)

    def gunicorn_log_tail(self, lines: int = 30) -> str:
        if self.gunicorn is None or not self.gunicorn.log.exists():
            return ""
        return "\n".join(self.gunicorn.log.read_text(errors="replace").splitlines()[-lines:])

    def teardown(self) -> None:
        for step in (
            lambda: self.gunicorn and self.gunicorn.stop(),
            lambda: self.pg and self.pg.teardown(),
            lambda: self.base and shutil.rmtree(self.base, ignore_errors=True),
        ):
            try:
                step()
            except Exception as exc:  # keep tearing down the rest
                print(f"teardown: {type(exc).__name__}: {exc}", file=sys.stderr)
        for parent, mode in reversed(self.opened_parents):
            with contextlib.suppress(OSError):
                os.chmod(parent, mode)


def check(ok: bool, detail: str) -> dict:
    return {"pass": bool(ok), "detail": detail}


def samples(recs: list[Rec], origin: float, limit: int = 8) -> list[dict]:
    return [r.brief(origin) for r in recs[:limit]]


# --- Fault A: PostgreSQL restart -----------------------------------------------------------------


def fault_a(stack: Stack, client: Client) -> tuple[dict, list[Rec]]:
    assert stack.pg is not None and stack.gunicorn is not None
    gunicorn, pg = stack.gunicorn, stack.pg
    master_before, workers_before = gunicorn.pid, gunicorn.workers()

    def plan(i: int, n: int) -> Rec:
        kind = ("healthz", "readyz", "page", "vote")[(i + n) % 4]
        if kind == "healthz":
            return client.get("healthz", "/healthz")
        if kind == "readyz":
            return client.get("readyz", "/readyz")
        if kind == "page":
            return client.tool_page()
        return client.vote()

    t0 = now()
    stop = threading.Event()
    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        futures = stream(plan, stop, t0 + A_DURATION, pool)
        try:
            sleep_until(t0 + A_STOP_AT)
            t_stop = now()
            pg.stop("fast")
            t_down = now()
            sleep_until(t_down + A_DOWN_FOR)
            t_restart = now()
            pg.start()
            t_back = now()
        finally:
            if not pg.running():  # a failed restart must not leave the clients hammering
                stop.set()
        recs = sorted((r for f in futures for r in f.result()), key=lambda r: r.t_start)
    t_end = now()
    master_after, workers_after = gunicorn.pid, gunicorn.workers()
    master_alive = gunicorn.alive()

    window = (t_stop - A_GRACE_BEFORE, t_back + A_RECOVERY_LIMIT)
    failures = [r for r in recs if r.server_error]
    outside = [r for r in failures if not window[0] <= r.t_end <= window[1]]
    # A 4xx (CSRF, rate limit, not found) is never expected, outage or not.
    unexpected = [r for r in recs if not r.server_error and r.status != 200]

    healthz = [r for r in recs if r.kind == "healthz"]
    healthz_bad = [r for r in healthz if not r.ok]

    readyz = [r for r in recs if r.kind == "readyz"]
    # Whole request while PostgreSQL was fully down: must be 503.
    ready_down = [r for r in readyz if r.t_start >= t_down and r.t_end <= t_restart]
    ready_down_bad = [r for r in ready_down if r.error or r.status != 503]
    # Any overlap with the outage (stopping, down, starting): must answer within the limit.
    ready_overlap = [r for r in readyz if r.t_end >= t_stop and r.t_start <= t_back]
    ready_max = max((r.latency for r in ready_overlap), default=0.0)
    ready_slow = [r for r in ready_overlap if r.latency > A_READY_LATENCY_LIMIT]

    after = [r for r in failures if r.t_end > t_back]
    last_failure_after_back = max((r.t_end - t_back for r in after), default=0.0)
    first_full_second = None
    for k in range(int(t_end - t_back) + 1):
        in_second = [r for r in recs if t_back + k <= r.t_start < t_back + k + 1]
        if in_second and all(r.ok for r in in_second):
            first_full_second = k
            break

    workers_now_alive = [p for p in workers_after if Path(f"/proc/{p}").exists()]
    replaced = sorted(set(workers_before) - set(workers_after))
    checks = {
        "errors_only_while_down": check(
            not outside and not unexpected,
            f"{len(failures)} errors, {len(outside)} outside the window "
            f"[stop-{A_GRACE_BEFORE:g}s, back+{A_RECOVERY_LIMIT:g}s]; "
            f"{len(unexpected)} unexpected non-5xx answers",
        ),
        "recovered_within_5s": check(
            last_failure_after_back <= A_RECOVERY_LIMIT
            and first_full_second is not None
            and first_full_second <= A_RECOVERY_LIMIT,
            f"last failure {last_failure_after_back:.2f}s after the database was back; "
            f"first fully successful second: +{first_full_second}s",
        ),
        "liveness_always_200": check(
            healthz and not healthz_bad, f"{len(healthz) - len(healthz_bad)}/{len(healthz)} 200"
        ),
        "readiness_503_while_down": check(
            ready_down and not ready_down_bad and not ready_slow,
            f"{len(ready_down) - len(ready_down_bad)}/{len(ready_down)} answered 503 while down; "
            f"max latency {ready_max * 1000:.0f} ms over {len(ready_overlap)} (limit "
            f"{A_READY_LATENCY_LIMIT:g}s)",
        ),
        "gunicorn_not_restarted": check(
            master_before == master_after
            and master_alive
            and len(workers_now_alive) == gunicorn.expected_workers,
            f"master {master_before} -> {master_after} ({'alive' if master_alive else 'DEAD'}), "
            f"workers alive {len(workers_now_alive)}/{gunicorn.expected_workers}, "
            f"replaced during the fault: {len(replaced)}",
        ),
    }
    by_kind = Counter(r.kind for r in failures)
    result = {
        "pass": all(c["pass"] for c in checks.values()),
        "checks": checks,
        "requests": len(recs),
        "requests_by_kind": dict(Counter(r.kind for r in recs)),
        "errors": len(failures),
        "errors_by_kind": dict(by_kind),
        "errors_while_down": len(failures) - len(outside),
        "timeline_s": {
            "stream": [0.0, round(t_end - t0, 3)],
            "stop_begin": round(t_stop - t0, 3),
            "down": round(t_down - t0, 3),
            "restart_begin": round(t_restart - t0, 3),
            "back": round(t_back - t0, 3),
        },
        "pg_stop_s": round(t_down - t_stop, 3),
        "pg_start_s": round(t_back - t_restart, 3),
        "recovery": {
            "first_fully_successful_second_after_back": first_full_second,
            "last_failure_after_back_s": round(last_failure_after_back, 3),
        },
        "readiness_while_down": {
            "requests": len(ready_down),
            "status_503": len(ready_down) - len(ready_down_bad),
            "max_latency_ms": round(ready_max * 1000, 1),
        },
        "gunicorn": {
            "master_before": master_before,
            "master_after": master_after,
            "workers_before": workers_before,
            "workers_after": workers_after,
        },
        "votes_200": sum(1 for r in recs if r.kind == "vote" and r.ok),
        "failures_outside_window": samples(outside, t0),
        "unexpected_answers": samples(unexpected, t0),
        "error_samples": samples(failures, t0),
    }
    return result, recs


# --- Fault B: SIGTERM to the gunicorn master -----------------------------------------------------


def fault_b(stack: Stack, client: Client) -> tuple[dict, list[Rec]]:
    assert stack.gunicorn is not None
    gunicorn = stack.gunicorn

    def plan(i: int, n: int) -> Rec:
        kind = ("page", "compare", "vote", "compare4")[(i + n) % 4]
        if kind == "page":
            return client.tool_page()
        if kind == "compare":
            return client.get("compare", COMPARE_PATH)
        if kind == "compare4":
            return client.get("compare", COMPARE4_PATH)
        return client.vote()

    t0 = now()
    stop = threading.Event()
    master = gunicorn.pid
    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        futures = stream(plan, stop, t0 + B_TERM_AT + GRACEFUL_TIMEOUT + 10, pool)
        try:
            sleep_until(t0 + B_TERM_AT)
            t_term = now()
            os.kill(master, signal.SIGTERM)
            exited = gunicorn.wait(GRACEFUL_TIMEOUT + 5)
            t_exit = now()
            time.sleep(B_AFTER_EXIT)  # a few connection attempts after the stop
        finally:
            stop.set()
        recs = sorted((r for f in futures for r in f.result()), key=lambda r: r.t_start)
    exit_code = gunicorn.proc.returncode if gunicorn.proc else None

    before_term = [r for r in recs if r.t_written is not None and r.t_written <= t_term]
    in_flight = [r for r in before_term if r.t_end >= t_term]
    in_flight_failures = [r for r in before_term if not r.ok]
    written_ids = {id(r) for r in before_term}
    after_term = [r for r in recs if id(r) not in written_ids]
    refused = [r for r in after_term if r.stage == "connect"]
    served_after = [r for r in after_term if r.ok]
    # Connected and written after SIGTERM (the kernel still queued it), then dropped.
    dropped_after = [r for r in after_term if not r.ok and r.stage != "connect"]

    restart_s = round(gunicorn.start(), 2) if exited else None
    ready = fetch(gunicorn.port, "GET", "/readyz")[0] if restart_s is not None else None

    checks = {
        "in_flight_completed": check(
            in_flight and not in_flight_failures,
            f"{len(in_flight)} in flight at SIGTERM, {len(in_flight_failures)} of "
            f"{len(before_term)} written before it failed (after it: {len(refused)} refused, "
            f"{len(dropped_after)} connected but reset unserved)",
        ),
        "graceful_exit": check(
            exited and exit_code == 0,
            f"master exited {exit_code} after {t_exit - t_term:.2f}s "
            f"(graceful_timeout {GRACEFUL_TIMEOUT:g}s)",
        ),
        "restarted": check(
            ready == 200, f"gunicorn started again in {restart_s}s, /readyz {ready}"
        ),
    }
    result = {
        "pass": all(c["pass"] for c in checks.values()),
        "checks": checks,
        "requests": len(recs),
        "written_before_sigterm": len(before_term),
        "in_flight_at_sigterm": len(in_flight),
        "in_flight_failures": len(in_flight_failures),
        "refused_after_shutdown": len(refused),
        "served_after_sigterm": len(served_after),
        "dropped_after_sigterm": len(dropped_after),
        "sigterm_at_s": round(t_term - t0, 3),
        "master_exit_after_s": round(t_exit - t_term, 3),
        "master_exit_code": exit_code,
        "restart_s": restart_s,
        "votes_200": sum(1 for r in recs if r.kind == "vote" and r.ok),
        "in_flight_failure_samples": samples(in_flight_failures, t0),
        "dropped_after_sigterm_samples": samples(dropped_after, t0),
    }
    return result, recs


# --- Votes neither lost nor doubled --------------------------------------------------------------


def vote_check(stack: Stack, recs: list[Rec]) -> dict:
    import psycopg

    assert stack.pg is not None
    answered = [r for r in recs if r.kind == "vote" and r.ok]
    expected = Counter(r.tool for r in answered)
    expected_value = Counter((r.tool, r.value) for r in answered)
    without_new_voter = sum(1 for r in answered if not r.new_voter)
    query = """
        SELECT t.slug, t.community_ships, t.community_skips, count(v.id),
               count(v.id) FILTER (WHERE v.value = 'ship'),
               count(v.id) FILTER (WHERE v.value = 'skip')
        FROM comparisons_tool t LEFT JOIN votes_vote v ON v.tool_id = t.id
        GROUP BY t.id ORDER BY t.slug
    """
    with psycopg.connect(stack.pg.url(), connect_timeout=5) as conn:
        rows = conn.execute(query).fetchall()
    per_tool, rows_mismatch, counts_mismatch = {}, [], []
    for slug, ships, skips, votes, ship_rows, skip_rows in rows:
        if votes != expected.get(slug, 0) or ship_rows != expected_value.get((slug, "ship"), 0):
            rows_mismatch.append(slug)
        if ships + skips != votes or ships != ship_rows or skips != skip_rows:
            counts_mismatch.append(slug)
        if votes or expected.get(slug):
            per_tool[slug] = {
                "answers_200": expected.get(slug, 0),
                "vote_rows": votes,
                "community_ships": ships,
                "community_skips": skips,
            }
    unknown = sorted(set(expected) - {row[0] for row in rows})
    total_rows = sum(row[3] for row in rows)
    checks = {
        "rows_equal_answers": check(
            not rows_mismatch and not unknown and not without_new_voter,
            f"{len(answered)} answers 200, {total_rows} Vote rows; mismatched tools: "
            f"{rows_mismatch + unknown or 'none'}; answers without a new voter cookie: "
            f"{without_new_voter}",
        ),
        "community_counts_equal_rows": check(
            not counts_mismatch,
            f"{len(rows)} tools, mismatched: {counts_mismatch or 'none'}",
        ),
    }
    return {
        "pass": all(c["pass"] for c in checks.values()),
        "checks": checks,
        "answers_200": len(answered),
        "vote_rows": total_rows,
        "per_tool": per_tool,
    }


# --- Report --------------------------------------------------------------------------------------


def render(report: dict) -> str:
    def mark(ok) -> str:
        return "PASS" if ok else "FAIL"

    lines = [f"Ship or Skip fault injection: {mark(report['pass'])} in {report['run_s']}s"]
    if "A" in report:
        a = report["A"]
        lines += [
            f"A  PostgreSQL restart under load: {mark(a['pass'])}",
            f"   {a['requests']} requests {a['requests_by_kind']}; db down "
            f"{a['timeline_s']['down']}-{a['timeline_s']['restart_begin']}s, back at "
            f"{a['timeline_s']['back']}s; {a['errors_while_down']} errors while down "
            f"{a['errors_by_kind']}",
            f"   full service +{a['recovery']['first_fully_successful_second_after_back']}s "
            f"after back (last failure +{a['recovery']['last_failure_after_back_s']}s); "
            f"readiness while down {a['readiness_while_down']['status_503']}/"
            f"{a['readiness_while_down']['requests']} 503, max "
            f"{a['readiness_while_down']['max_latency_ms']} ms",
        ]
        lines += [f"   [{mark(c['pass'])}] {k}: {c['detail']}" for k, c in a["checks"].items()]
    if "B" in report:
        b = report["B"]
        lines += [
            f"B  SIGTERM to gunicorn under load: {mark(b['pass'])}",
            f"   {b['requests']} requests; SIGTERM at {b['sigterm_at_s']}s with "
            f"{b['in_flight_at_sigterm']} in flight, {b['in_flight_failures']} in-flight "
            f"failures; after it: {b['refused_after_shutdown']} refused, "
            f"{b['served_after_sigterm']} served, {b['dropped_after_sigterm']} dropped",
        ]
        lines += [f"   [{mark(c['pass'])}] {k}: {c['detail']}" for k, c in b["checks"].items()]
    if "votes" in report:
        v = report["votes"]
        lines.append(
            f"C  votes neither lost nor doubled: {mark(v['pass'])} "
            f"({v['answers_200']} answers 200, {v['vote_rows']} Vote rows)"
        )
        lines += [f"   [{mark(c['pass'])}] {k}: {c['detail']}" for k, c in v["checks"].items()]
    if report.get("error"):
        lines.append(f"ERROR {report['error']}")
    lines.append(f"-> {OUT_FILE.relative_to(ROOT)}")
    return "\n".join(lines)


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # so that teardown runs


def main() -> int:
    signal.signal(signal.SIGTERM, _terminate)
    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    stack = Stack()
    recs: list[Rec] = []
    try:
        stack.setup()
        assert stack.gunicorn is not None
        report["setup_s"] = stack.timings
        report["config"] = {
            "clients": CLIENTS,
            "request_timeout_s": REQUEST_TIMEOUT,
            "gunicorn_workers": stack.gunicorn.expected_workers,
            "postgres_port": stack.pg.port if stack.pg else None,
            "gunicorn_port": stack.gunicorn.port,
        }
        client = Client(stack.gunicorn.port)
        report["A"], recs_a = fault_a(stack, client)
        recs += recs_a
        report["B"], recs_b = fault_b(stack, client)
        recs += recs_b
        report["votes"] = vote_check(stack, recs)
    except BaseException as exc:  # report, then tear down; KeyboardInterrupt included
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc()
        report["gunicorn_log_tail"] = stack.gunicorn_log_tail()
    finally:
        stack.teardown()
    parts = [report.get(k) for k in ("A", "B", "votes")]
    report["pass"] = not report.get("error") and all(p and p["pass"] for p in parts)
    report["run_s"] = round(now(), 1)
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    if report.get("traceback"):
        print(report["traceback"], file=sys.stderr)
        print(report["gunicorn_log_tail"], file=sys.stderr)
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
