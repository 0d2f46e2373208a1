"""Ship or Skip on more than one node, on this machine: nothing a visitor does depends on which
node answers.

    .venv/bin/python scripts/cluster_test.py        # or: make cluster-test

Starts, in a temporary folder: a PostgreSQL 15 primary and a streaming standby made from it with
pg_basebackup, two gunicorn nodes with production settings (DEBUG off, DATABASE_URL the primary,
DATABASE_REPLICA_URL the standby, REDIS_URL an empty database of this machine's Redis) and
Debian's nginx in front of them with deploy/nginx.conf (the file the docker-compose "scale"
profile uses), then proves with real HTTP requests:

1. a vote through node A is on the next page through node B; the bookmarks panel agrees on both;
2. the vote rate limit counts requests on both nodes (hit at the same total as on one);
3. an editor's unpublish and publish change the cached pages on both nodes;
4. with the standby's replay paused after a vote, the voter's page still shows their vote, and
   no page is rendered from (and cached with) the lagging copy;
5. node A is killed (SIGKILL) in the middle of a stream of votes through nginx: nginx sends the
   rest to node B and replays there the votes A had received (first votes too: their voter id is
   made from nginx's X-Request-ID, the same on both tries), and the Vote rows added in the
   primary equal the successful answers exactly.

Prints a figure per check, writes the report to docs/cluster-test.md (and JSON to
bench/out/cluster.json) and exits 0 only when every check holds. Everything it started is
stopped at the end. Linux only (reads /proc); run as root (PostgreSQL runs as the system user
postgres). No Redis on 127.0.0.1:6379: it starts a private redis-server instead.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import http.client
import itertools
import json
import os
import platform
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from localstack import HOST, Postgres, free_port, live_children, run

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
OUT_MD = ROOT / "docs" / "cluster-test.md"
OUT_JSON = ROOT / "bench" / "out" / "cluster.json"

WORKERS, THREADS = 2, 4  # per node
REQUEST_TIMEOUT = 10.0
VOTE_RATE = 30  # SHIPSKIP_VOTE_RATE per voter a minute, the production default
STREAM_CLIENTS, STREAM_SECONDS, KILL_AT = 6, 6.0, 2.0
RETURNING_VOTERS = 60
VISIBLE_WITHIN = 2.0  # seconds a change may take to reach every worker of both nodes

T0 = time.monotonic()


def now() -> float:
    return time.monotonic() - T0


def wait_for(condition, timeout: float, interval: float = 0.01) -> float | None:
    """Seconds until condition() was true, or None after timeout."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(interval)


# --- HTTP: one fresh connection a request; cookies by hand (production cookies are Secure) ------


@dataclass
class Answer:
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    error: str | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def reads(self) -> str:
        return self.header("X-Database-Reads") or "?"


def request(port: int, method: str, path: str, *, body=None, headers=None) -> Answer:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, [], b"", f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


TOKEN_IN_PAGE = re.compile(
    r"""x-csrftoken":\s*"([^"]+)"|name="csrfmiddlewaretoken" value="([^"]+)\""""
)


class Visitor:
    """One browser: its cookies and the last CSRF token a page gave it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, answer: Answer) -> Answer:
        for name, value in answer.headers:
            if name.lower() != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            key, _, val = pair.strip().partition("=")
            if not val or "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = val
        match = TOKEN_IN_PAGE.search(answer.text) if answer.status == 200 else None
        if match:
            self.token = match.group(1) or match.group(2)
        return answer

    def get(self, port: int, path: str, **extra) -> Answer:
        return self._keep(request(port, "GET", path, headers=self._headers(extra)))

    def post(
        self, port: int, path: str, form: dict, *, htmx: bool = True, extra: dict | None = None
    ) -> Answer:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(extra or {})}
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRFToken": self.token or ""}
        else:
            form = {**form, "csrfmiddlewaretoken": self.token or ""}
        body = urlencode(form).encode()
        return self._keep(request(port, "POST", path, body=body, headers=self._headers(headers)))

    def cookie(self, suffix: str) -> str | None:
        return next((v for k, v in self.cookies.items() if k.endswith(suffix)), None)

    @property
    def voter_id(self) -> str | None:
        """The anonymous id in the signed voter cookie ('<uuid>:<timestamp>:<signature>')."""
        value = self.cookie("shipskip_voter")
        return value.split(":", 1)[0] if value else None

    def login(self, port: int, username: str, password: str) -> None:
        self.get(port, "/accounts/login/")
        answer = self.post(
            port, "/accounts/login/", {"username": username, "password": password}, htmx=False
        )
        if answer.status != 302 or not self.cookie("sessionid"):
            raise RuntimeError(f"login of {username} through :{port} answered {answer.status}")


def vote_count(page: Answer) -> int | None:
    match = re.search(r"(\d+) community votes? counted", page.text)
    return int(match.group(1)) if match else None


def pressed(page: Answer, slug: str) -> str | None:
    """The value of the pressed vote button in the tool's own widget, if any."""
    widget = re.search(rf'id="vote-{re.escape(slug)}".*?</form>', page.text, re.S)
    for button in re.findall(r"<button\b[^>]*>", widget.group(0) if widget else ""):
        value = re.search(r'value="(ship|skip)"', button)
        if value and 'aria-pressed="true"' in button:
            return value.group(1)
    return None


def panel_names(page: Answer) -> list[str]:
    return re.findall(r'<li><a href="/tools/[^"]+/">([^<]+)</a>', page.text)


# --- Processes -----------------------------------------------------------------------------------


class Node:
    """One gunicorn master and its workers on its own port."""

    def __init__(self, name: str, port: int, env: dict, log: Path) -> None:
        self.name, self.port, self.env, self.log = name, port, env, log
        self.proc: subprocess.Popen | None = None
        self.pids: set[int] = set()

    def start(self) -> float:
        started = now()
        env = self.env | {"GUNICORN_BIND": f"{HOST}:{self.port}"}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "shipskip.wsgi"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.pids.add(self.proc.pid)

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited; see {self.log}")
            workers = live_children(self.proc.pid)
            self.pids.update(workers)
            listening = self.log.read_text(errors="replace").count("change feed listening")
            return (
                len(workers) >= WORKERS
                and listening >= WORKERS
                and request(self.port, "GET", "/readyz").status == 200
            )

        if wait_for(ready, 60, 0.2) is None:
            raise RuntimeError(f"node {self.name} was not ready within 60 s; see {self.log}")
        return now() - started

    def kill(self) -> int:
        """SIGKILL the master and every worker at once, by their process ids."""
        assert self.proc is not None
        targets = {self.proc.pid, *live_children(self.proc.pid)}
        for pid in targets:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(10)
        return len(targets)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.pids.update(live_children(self.proc.pid))
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(35)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for pid in self.pids:  # workers outliving their master, by their own ids
            with contextlib.suppress(OSError):
                if "gunicorn" in Path(f"/proc/{pid}/cmdline").read_text():
                    os.kill(pid, signal.SIGKILL)


class Cluster:
    """Everything the proof runs on; teardown() stops all of it and removes the folder."""

    def __init__(self) -> None:
        self.base: Path | None = None
        self.opened: list[tuple[Path, int]] = []
        self.ports: set[int] = set()
        self.primary: Postgres | None = None
        self.standby: Postgres | None = None
        self.redis_url = ""
        self.redis_db: int | None = None
        self.redis_proc: subprocess.Popen | None = None
        self.nodes: dict[str, Node] = {}
        self.nginx: subprocess.Popen | None = None
        self.nginx_port = 0
        self.env: dict = {}
        self.password = secrets.token_urlsafe(16)
        self.timings: dict[str, float] = {}

    # -- set-up ----------------------------------------------------------------------------------

    def setup(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="shipskip-cluster-"))
        os.chmod(self.base, 0o755)  # noqa: S103 - nginx's workers read their folder inside
        for parent in self.base.parents:  # postgres must reach its folder
            mode = stat.S_IMODE(parent.stat().st_mode)
            if not mode & stat.S_IXOTH:
                os.chmod(parent, mode | stat.S_IXOTH)
                self.opened.append((parent, mode))
        pg_home = self.base / "pg"
        pg_home.mkdir(mode=0o700)
        postgres = pwd.getpwnam("postgres")
        os.chown(pg_home, postgres.pw_uid, postgres.pw_gid)
        self._databases(pg_home)
        self._redis()
        self._django()
        self._nodes()
        self._nginx()

    def _databases(self, home: Path) -> None:
        t = now()
        self.primary = Postgres(home, "primary", free_port(self.ports))
        self.primary.init()
        # initdb's pg_hba.conf already lets loopback connect for replication ("trust").
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n")
        self.primary.start()
        self.primary.query("CREATE DATABASE shipskip", database="postgres")
        self.timings["primary_s"] = round(now() - t, 2)

        t = now()
        self.standby = Postgres(home, "standby", free_port(self.ports))
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
        self.primary.pg("pg_basebackup", "-h", HOST, "-p", str(self.primary.port), "-U",
                        "postgres", "-D", str(self.standby.data), "-R", "-X", "stream",
                        "-c", "fast")  # fmt: skip
        self.standby.start()
        streaming = wait_for(
            lambda: (
                self.primary.query(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                    database="postgres",
                )[0][0]
                >= 1
            ),
            30,
            0.1,
        )
        if streaming is None:
            raise RuntimeError("the standby did not start streaming within 30 s")
        self.timings["standby_s"] = round(now() - t, 2)

    def _redis(self) -> None:
        import redis

        with contextlib.suppress(redis.RedisError):
            for number in range(15, 0, -1):  # the first empty database from the top
                client = redis.Redis(host=HOST, port=6379, db=number, socket_timeout=2)
                if client.dbsize() == 0:
                    self.redis_db, self.redis_url = number, f"redis://{HOST}:6379/{number}"
                    return
        port = free_port(self.ports)  # no usable shared Redis: a private one
        self.redis_proc = subprocess.Popen(
            ["redis-server", "--bind", HOST, "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.redis_db, self.redis_url = 0, f"redis://{HOST}:{port}/0"
        if wait_for(lambda: redis.Redis(host=HOST, port=port).ping(), 10, 0.1) is None:
            raise RuntimeError("redis-server did not start")

    def flush_redis(self) -> None:
        if self.redis_url:
            import redis

            with contextlib.suppress(redis.RedisError):
                redis.Redis.from_url(self.redis_url, socket_timeout=2).flushdb()

    def _django(self) -> None:
        t = now()
        assert self.primary and self.standby
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "SHIPSKIP_", "GUNICORN_", "REDIS_"))
            and k not in {"PORT", "WEB_CONCURRENCY"}
        }
        self.env = inherited | {
            "DJANGO_SETTINGS_MODULE": "shipskip.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain http on loopback
            "DJANGO_BEHIND_PROXY": "true",
            "DATABASE_URL": self.primary.url(),
            "REDIS_URL": self.redis_url,
            "SHIPSKIP_VOTE_RATE": f"{VOTE_RATE}/m",
            # Every request comes from 127.0.0.1: the per-address limit would stop the stream.
            "SHIPSKIP_VOTE_RATE_PER_ADDRESS": "1000000/m",
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_THREADS": str(THREADS),
            "PYTHONUNBUFFERED": "1",
        }
        python = str(VENV_BIN / "python")
        for args in (["migrate", "--noinput"], ["load_demo"], ["collectstatic", "--noinput"]):
            run([python, "manage.py", *args, "--verbosity", "0"], env=self.env)
        users = (
            "from django.core.management import call_command\n"
            "from django.contrib.auth import get_user_model\n"
            "call_command('make_editor', 'editor', '--no-input', verbosity=0)\n"
            "User = get_user_model()\n"
            "editor = User.objects.get(username='editor')\n"
            f"editor.set_password({self.password!r})\n"
            "editor.save()\n"
            f"User.objects.create_user('reader', password={self.password!r})\n"
        )
        run([python, "manage.py", "shell", "-c", users], env=self.env)
        self.timings["migrate_demo_static_s"] = round(now() - t, 2)

    def _nodes(self) -> None:
        t = now()
        assert self.standby and self.base
        env = self.env | {"DATABASE_REPLICA_URL": self.standby.url()}
        for name in ("A", "B"):
            self.nodes[name] = Node(
                name, free_port(self.ports), env, self.base / f"node-{name}.log"
            )
        with cf.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda node: node.start(), self.nodes.values()))
        self.timings["nodes_s"] = round(now() - t, 2)

    def _nginx(self) -> None:
        assert self.base
        home = self.base / "nginx"
        (home / "tmp").mkdir(parents=True)
        self.nginx_port = free_port(self.ports)
        site = NGINX_TEMPLATE.read_text()
        site = re.sub(r"server web1:8000", f"server {HOST}:{self.nodes['A'].port}", site)
        site = re.sub(r"server web2:8000", f"server {HOST}:{self.nodes['B'].port}", site)
        site = re.sub(r"listen 80;", f"listen {HOST}:{self.nginx_port};", site)
        (home / "shipskip.conf").write_text(site)
        temp = " ".join(
            f"{kind}_temp_path {home / 'tmp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (home / "nginx.conf").write_text(
            f"worker_processes 1;\npid {home}/nginx.pid;\nerror_log {home}/error.log warn;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            "  log_format cluster '$msec $request_method $request_uri $status "
            '"$upstream_addr" "$upstream_status" "$http_x_cluster_kind"\';\n'
            f"  access_log {home}/access.log cluster;\n  {temp}\n"
            f"  include {home}/shipskip.conf;\n}}\n"
        )
        self.nginx = subprocess.Popen(
            ["nginx", "-p", str(home), "-c", str(home / "nginx.conf"), "-e",
             str(home / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        up = wait_for(lambda: request(self.nginx_port, "GET", "/healthz").status == 200, 10, 0.1)
        if up is None:
            log = (home / "error.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"nginx did not answer within 10 s:\n{log}")

    @property
    def nginx_home(self) -> Path:
        assert self.base
        return self.base / "nginx"

    def wait_standby_caught_up(self, timeout: float = 15) -> float | None:
        assert self.primary and self.standby
        (target,) = self.primary.query("SELECT pg_current_wal_insert_lsn()::text")[0]
        return wait_for(
            lambda: self.standby.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])[
                0
            ][0],
            timeout,
            0.02,
        )

    def logs_tail(self, lines: int = 25) -> str:
        parts = []
        for node in self.nodes.values():
            if node.log.exists():
                tail = node.log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- node {node.name} ---\n" + "\n".join(tail))
        if self.base and (self.nginx_home / "error.log").exists():
            tail = (self.nginx_home / "error.log").read_text(errors="replace").splitlines()
            parts.append("--- nginx ---\n" + "\n".join(tail[-lines:]))
        return "\n".join(parts)

    # -- teardown --------------------------------------------------------------------------------

    def teardown(self) -> None:
        steps = [
            self._stop_nginx,
            *[node.stop for node in self.nodes.values()],
            self.flush_redis,
            self._stop_redis,
            lambda: self.standby and self.standby.teardown(),
            lambda: self.primary and self.primary.teardown(),
            lambda: self.base and shutil.rmtree(self.base, ignore_errors=True),
        ]
        for step in steps:
            try:
                step()
            except Exception as exc:  # keep tearing down the rest
                print(f"teardown: {type(exc).__name__}: {exc}", file=sys.stderr)
        for parent, mode in reversed(self.opened):
            with contextlib.suppress(OSError):
                os.chmod(parent, mode)

    def _stop_nginx(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(5)

    def _stop_redis(self) -> None:
        if self.redis_proc is not None and self.redis_proc.poll() is None:
            self.redis_proc.terminate()
            self.redis_proc.wait(10)


def check(ok: bool, lines: list[str], **figures) -> dict:
    return {"pass": bool(ok), "lines": lines, **figures}


def published_slugs(cluster: Cluster) -> list[str]:
    assert cluster.primary
    rows = cluster.primary.query(
        "SELECT slug FROM comparisons_tool WHERE status = 'published' ORDER BY slug"
    )
    return [row[0] for row in rows]


def primary_and_standby_count(cluster: Cluster, slug: str) -> tuple[int, int]:
    assert cluster.primary and cluster.standby
    sql = "SELECT community_ships + community_skips FROM comparisons_tool WHERE slug = %s"
    return cluster.primary.query(sql, [slug])[0][0], cluster.standby.query(sql, [slug])[0][0]


def _ms(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds * 1000:.0f} ms"


def _votes(n: int | None) -> str:
    return f"{n} vote{'' if n == 1 else 's'}"


def _first_votes(n: int) -> str:
    return f"{n} first vote{'' if n == 1 else 's'}"


# --- 1. A vote through A, the next page through B; bookmarks on both ---------------------------


def prove_votes_and_bookmarks(cluster: Cluster, slugs: list[str]) -> dict:
    a, b = cluster.nodes["A"].port, cluster.nodes["B"].port
    slug = slugs[0]
    path = f"/tools/{slug}/"
    bystander = Visitor("bystander")
    warm = [bystander.get(b, path) for _ in range(4)]  # B keeps the page in the cache
    before = vote_count(warm[-1]) or 0
    voter = Visitor("voter")
    voter.get(a, path)
    voted = voter.post(a, f"/votes/{slug}/", {"value": "ship", "detail": "1"})
    page = voter.get(b, path)
    seen = wait_for(lambda: vote_count(bystander.get(b, path)) == before + 1, VISIBLE_WITHIN)
    vote = check(
        voted.status == 200
        and voter.voter_id is not None
        and page.status == 200
        and vote_count(page) == before + 1
        and pressed(page, slug) == "ship"
        and seen is not None,
        [
            f"a first vote on {slug} through A: {voted.status}; the voter's next page through "
            f"B: {_votes(before)} -> {_votes(vote_count(page))}, their Ship button pressed: "
            f"{pressed(page, slug) == 'ship'} (read the {page.reads})",
            f"a bystander's cached page on B ({sum(w.reads == 'none' for w in warm)}/4 answers "
            f"from the cache before) showed the new count after {_ms(seen)}",
        ],
    )

    reader = Visitor("reader")
    reader.login(a, "reader", cluster.password)
    steps, agree = [], True
    for action, port, tool in (("add", a, slugs[1]), ("add", b, slugs[2]), ("remove", b, slugs[1])):
        reader.get(port, f"/tools/{tool}/")
        answer = reader.post(port, f"/bookmarks/{tool}/{action}/", {})
        panel_a = panel_names(reader.get(a, "/bookmarks/panel/"))
        panel_b = panel_names(reader.get(b, "/bookmarks/panel/"))
        agree &= answer.status == 200 and panel_a == panel_b
        steps.append(
            f"{action} {tool} through {'A' if port == a else 'B'} ({answer.status}): panel on A "
            f"{panel_a}, on B {panel_b}"
        )
    agree &= len(panel_a) == 1  # the second tool only
    bookmarks = check(agree, [f"logged in through A; {step}" if not i else step
                              for i, step in enumerate(steps)])  # fmt: skip
    return {"vote_a_page_b": vote, "bookmarks_both_nodes": bookmarks}


# --- 2. The rate limit across nodes ---------------------------------------------------------------


def votes_until_refused(ports: list[int], slug: str, limit: int) -> tuple[int, int | None, dict]:
    """Votes by one new voter, cycling through ports, until the first 429: (answered 200,
    the number of the refused vote, 200s per port)."""
    seconds_left = 60 - time.time() % 60  # one fixed window (a minute) for the whole run
    if seconds_left < 10:
        time.sleep(seconds_left + 0.2)
    voter = Visitor("rate")
    voter.get(ports[0], f"/tools/{slug}/")
    answered, per_port = 0, {port: 0 for port in ports}
    for n in range(1, limit + 6):
        port = ports[(n - 1) % len(ports)]
        answer = voter.post(port, f"/votes/{slug}/", {"value": ("ship", "skip")[n % 2]})
        if answer.status == 429:
            return answered, n, per_port
        if answer.status == 200:
            answered += 1
            per_port[port] += 1
    return answered, None, per_port


def prove_rate_limit(cluster: Cluster, slugs: list[str]) -> dict:
    a, b = cluster.nodes["A"].port, cluster.nodes["B"].port
    one_ok, one_refused, _ = votes_until_refused([a], slugs[3], VOTE_RATE)
    two_ok, two_refused, per_port = votes_until_refused([a, b], slugs[4], VOTE_RATE)
    ok = one_refused == two_refused == VOTE_RATE + 1 and one_ok == two_ok == VOTE_RATE
    return {
        "rate_limit_across_nodes": check(
            ok,
            [
                f"SHIPSKIP_VOTE_RATE={VOTE_RATE}/m. One voter, node A only: {one_ok} answered "
                f"200, 429 from vote {one_refused}",
                f"another voter, alternating A and B: {two_ok} answered 200 ({per_port[a]} by "
                f"A, {per_port[b]} by B), 429 from vote {two_refused}",
            ],
        )
    }


# --- 3. An editor's publish reaches the cached pages of both nodes -------------------------------


def admin_action(editor: Visitor, port: int, action: str, pk: int) -> Answer:
    editor.get(port, "/admin/comparisons/tool/")
    form = {"action": action, "_selected_action": str(pk), "index": "0", "select_across": "0"}
    return editor.post(port, "/admin/comparisons/tool/", form, htmx=False)


def prove_publish(cluster: Cluster, slugs: list[str]) -> dict:
    assert cluster.primary
    a, b = cluster.nodes["A"].port, cluster.nodes["B"].port
    slug = slugs[5]
    pk = cluster.primary.query("SELECT id FROM comparisons_tool WHERE slug = %s", [slug])[0][0]
    link = f'href="/tools/{slug}/"'
    anonymous = Visitor("anonymous")

    def shown(port: int, listed: bool) -> bool:
        directory = anonymous.get(port, "/tools/")
        tool = anonymous.get(port, f"/tools/{slug}/")
        return (link in directory.text) == listed and (tool.status == 200) == listed

    def change(listed: bool) -> tuple[float | None, bool]:
        """How long until both nodes show it, and whether every worker then agrees (several
        requests a node: the kernel picks the worker)."""
        seen = wait_for(lambda: shown(a, listed) and shown(b, listed), VISIBLE_WITHIN, 0.005)
        return seen, all(shown(port, listed) for port in (a, b) for _ in range(6))

    def cache_hits() -> int:
        return sum(
            anonymous.get(port, "/tools/").reads == "none" for port in (a, b) for _ in range(6)
        )

    hits_before = cache_hits()
    editor = Visitor("editor")
    editor.login(a, "editor", cluster.password)
    unpublished = admin_action(editor, a, "unpublish", pk)
    gone, gone_everywhere = change(listed=False)
    hits_between = cache_hits()
    published = admin_action(editor, b, "publish", pk)
    back, back_everywhere = change(listed=True)
    ok = (
        unpublished.status == published.status == 302
        and gone is not None
        and back is not None
        and gone_everywhere
        and back_everywhere
        and hits_before > 0
        and hits_between > 0
    )
    return {
        "publish_reaches_both_nodes": check(
            ok,
            [
                f"/tools/ answered from the cache {hits_before}/12 times on A and B",
                f"the editor unpublished {slug} through A's admin ({unpublished.status}): gone "
                f"from /tools/ and its page a 404 on A and B after {_ms(gone)}, on every "
                f"request that followed: {gone_everywhere}",
                f"cached again ({hits_between}/12 from the cache); published through B's admin "
                f"({published.status}): back on A and B after {_ms(back)}, on every request "
                f"that followed: {back_everywhere}",
            ],
        )
    }


# --- 4. Replica lag never hides a visitor's own vote ---------------------------------------------

CONFIRM_PAUSE = 1.2  # shipskip.routers.CONFIRM_FOR, and a little


def prove_replica(cluster: Cluster, slugs: list[str]) -> dict:
    assert cluster.standby
    a, b = cluster.nodes["A"].port, cluster.nodes["B"].port
    slug = slugs[6]
    path = f"/tools/{slug}/"
    cluster.wait_standby_caught_up()
    time.sleep(CONFIRM_PAUSE)
    bystander = Visitor("bystander")
    fresh = bystander.get(b, path + "?probe=1")  # a new address: rendered, not cached
    cluster.standby.query("SELECT pg_wal_replay_pause()")
    paused = wait_for(
        lambda: cluster.standby.query("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
        10,
    )
    try:
        voter = Visitor("voter")
        voter.get(a, path)
        voted = voter.post(a, f"/votes/{slug}/", {"value": "skip", "detail": "1"})
        primary_n, standby_n = primary_and_standby_count(cluster, slug)
        own = voter.get(b, path)
        probe: dict[str, Answer] = {}

        def bystander_sees_it() -> bool:
            probe["page"] = bystander.get(b, path + "?probe=2")
            return vote_count(probe["page"]) == primary_n

        seen = wait_for(bystander_sees_it, VISIBLE_WITHIN, 0.05)
        _, standby_still = primary_and_standby_count(cluster, slug)
    finally:
        cluster.standby.query("SELECT pg_wal_replay_resume()")
    caught_up = cluster.wait_standby_caught_up()
    time.sleep(CONFIRM_PAUSE)
    after = bystander.get(b, path + "?probe=3")
    _, standby_after = primary_and_standby_count(cluster, slug)
    ok = (
        fresh.reads == "replica"
        and paused is not None
        and voted.status == 200
        and standby_n == primary_n - 1
        and standby_still == standby_n
        and vote_count(own) == primary_n
        and pressed(own, slug) == "skip"
        and own.reads == "primary"
        and seen is not None
        and probe["page"].reads == "primary"
        and caught_up is not None
        and after.reads == "replica"
        and vote_count(after) == primary_n == standby_after
    )
    return {
        "replica_lag_never_hides_own_vote": check(
            ok,
            [
                f"a first-time visitor's page of {slug} through B read the {fresh.reads}",
                f"standby replay paused; a vote through A ({voted.status}): the primary counts "
                f"{_votes(primary_n)}, the standby {_votes(standby_n)}",
                f"the voter's next page through B: {_votes(vote_count(own))}, their Skip button "
                f"pressed: {pressed(own, slug) == 'skip'} (read the {own.reads})",
                f"a first-time visitor's new page through B, the standby still at "
                f"{_votes(standby_still)}: {_votes(vote_count(probe['page']))} (read the "
                f"{probe['page'].reads}: the replica was behind what B had heard)",
                f"replay resumed, the standby caught up in {_ms(caught_up)}: a new page read "
                f"the {after.reads}, {_votes(vote_count(after))}",
            ],
        )
    }


# --- 5. Kill a node in the middle of a stream of votes -----------------------------------------


@dataclass
class Rec:
    kind: str  # returning, first, page
    t_start: float
    t_end: float = 0.0
    status: int | None = None
    error: str | None = None
    voter: str | None = None
    tool: str | None = None
    reads: str | None = None


def returning_voters(port: int, slug: str, count: int) -> tuple[Visitor, list[Visitor]]:
    """A visitor with a CSRF cookie and token, and ``count`` voters who voted on ``slug``
    once (through nginx) and hold their voter cookies."""
    template = Visitor("template")
    template.get(port, f"/tools/{slug}/")
    voters = []
    for i in range(count):
        voter = Visitor(f"returning-{i}")
        voter.cookies, voter.token = dict(template.cookies), template.token
        answer = voter.post(port, f"/votes/{slug}/", {"value": "ship"})
        if answer.status != 200 or not voter.voter_id:
            raise RuntimeError(f"setting up returning voter {i}: {answer.status}")
        voters.append(voter)
    return template, voters


def nginx_upstreams(cluster: Cluster, offset: int) -> dict[str, int]:
    """Requests logged since ``offset``, by the node(s) nginx tried, and method."""
    a, b = f"{HOST}:{cluster.nodes['A'].port}", f"{HOST}:{cluster.nodes['B'].port}"
    names = {(a,): "A", (b,): "B", (a, b): "A then B", (b, a): "B then A"}
    counts: dict[str, int] = {}
    with (cluster.nginx_home / "access.log").open() as handle:
        handle.seek(offset)
        for line in handle:
            match = re.match(r'\S+ (\S+) \S+ \d+ "([^"]*)"', line)
            if match:
                tried = tuple(part.strip() for part in match.group(2).split(","))
                key = f"{names.get(tried, 'other')} {match.group(1)}"
                counts[key] = counts.get(key, 0) + 1
    return counts


def nginx_passed_on(cluster: Cluster, offset: int) -> dict[str, int]:
    """Requests logged since ``offset`` that nginx tried on A and then on B, by the kind the
    client named in X-Cluster-Kind (returning, first, page)."""
    a, b = f"{HOST}:{cluster.nodes['A'].port}", f"{HOST}:{cluster.nodes['B'].port}"
    counts: dict[str, int] = {}
    with (cluster.nginx_home / "access.log").open() as handle:
        handle.seek(offset)
        for line in handle:
            match = re.match(r'\S+ \S+ \S+ \d+ "([^"]*)" "[^"]*" "([^"]*)"', line)
            if match and [part.strip() for part in match.group(1).split(",")] == [a, b]:
                counts[match.group(2) or "?"] = counts.get(match.group(2) or "?", 0) + 1
    return counts


def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def prove_kill(cluster: Cluster, slugs: list[str]) -> dict:
    assert cluster.primary
    port = cluster.nginx_port
    warm_slug, stream_slugs = slugs[7], slugs[8:]
    template, voters = returning_voters(port, warm_slug, RETURNING_VOTERS)
    # Each (voter, tool) pair once, so every 200 answer to a returning voter is one new row.
    pairs = [(voter, slug) for slug in stream_slugs for voter in voters]
    next_pair = itertools.count()
    csrf_only = {k: v for k, v in template.cookies.items() if "voter" not in k}
    rows_before = cluster.primary.query("SELECT count(*) FROM votes_vote")[0][0]
    log_offset = (cluster.nginx_home / "access.log").stat().st_size
    node_offsets = {name: log_size(node.log) for name, node in cluster.nodes.items()}

    stop = threading.Event()
    t0 = now()

    def client(i: int) -> list[Rec]:
        recs: list[Rec] = []
        for n in itertools.count():
            if stop.is_set() or now() - t0 >= STREAM_SECONDS:
                break
            kind = ("returning", "first", "returning", "page")[(i + n) % 4]
            rec = Rec(kind=kind, t_start=now() - t0)
            named = {"X-Cluster-Kind": kind}  # for nginx's log only; the nodes ignore it
            if kind == "returning":
                k = next(next_pair)
                if k >= len(pairs):
                    break
                voter, slug = pairs[k]
                rec.voter, rec.tool = voter.voter_id, slug
                value = ("ship", "skip")[k % 2]
                answer = voter.post(port, f"/votes/{slug}/", {"value": value}, extra=named)
            elif kind == "first":  # a new visitor: no voter cookie
                newcomer = Visitor("first")
                newcomer.cookies, newcomer.token = dict(csrf_only), template.token
                rec.tool = stream_slugs[n % len(stream_slugs)]
                answer = newcomer.post(port, f"/votes/{rec.tool}/", {"value": "ship"}, extra=named)
                rec.voter = newcomer.voter_id
            else:  # a first-time visitor's page at a new address: rendered, not cached
                path = f"/tools/{stream_slugs[n % 5]}/?s={i}-{n}"
                answer = Visitor("page").get(port, path, **named)
                rec.reads = answer.reads
            rec.status, rec.error, rec.t_end = answer.status, answer.error, now() - t0
            recs.append(rec)
        return recs

    with cf.ThreadPoolExecutor(STREAM_CLIENTS) as pool:
        futures = [pool.submit(client, i) for i in range(STREAM_CLIENTS)]
        time.sleep(max(0.0, t0 + KILL_AT - now()))
        t_kill = now() - t0
        try:
            killed = cluster.nodes["A"].kill()
        finally:
            t_killed = now() - t0
            recs = [rec for future in futures for rec in future.result()]

    votes = [r for r in recs if r.kind != "page"]
    ok_votes = [r for r in votes if r.status == 200]
    in_flight = [r for r in recs if r.t_start <= t_killed and r.t_end >= t_kill]
    failed = [r for r in recs if r.status != 200]
    failed_later = [r for r in failed if r not in in_flight]
    returning_ok = [r for r in ok_votes if r.kind == "returning"]
    returning_failed = [r for r in failed if r.kind == "returning"]
    first_ok = [r for r in ok_votes if r.kind == "first"]
    first_failed = [r for r in failed if r.kind == "first"]

    rows_added = cluster.primary.query("SELECT count(*) FROM votes_vote")[0][0] - rows_before
    returning_rows = cluster.primary.query(
        "SELECT count(*) FROM votes_vote v JOIN comparisons_tool t ON t.id = v.tool_id "
        "WHERE v.anonymous_id::text = ANY(%s) AND t.slug = ANY(%s)",
        [[v.voter_id for v in voters], stream_slugs],
    )[0][0]
    # A vote whose answer was lost may still have been committed by the node before it died.
    returning_committed_unanswered = sum(
        cluster.primary.query(
            "SELECT count(*) FROM votes_vote v JOIN comparisons_tool t ON t.id = v.tool_id "
            "WHERE v.anonymous_id::text = %s AND t.slug = %s",
            [r.voter, r.tool],
        )[0][0]
        for r in returning_failed
    )
    first_committed_unanswered = rows_added - returning_rows - len(first_ok)
    # Every first voter answered 200 holds the cookie of exactly one new row (a replay on B
    # answers with the voter id A made, from the same X-Request-ID).
    first_voters = {r.voter for r in first_ok if r.voter}
    first_rows = cluster.primary.query(
        "SELECT count(*) FROM votes_vote WHERE anonymous_id::text = ANY(%s)", [list(first_voters)]
    )[0][0]
    first_rows_all = rows_added - returning_rows
    # A replay that found the vote A had committed logs it (votes.services.first_votes).
    found_committed = 0
    for name, node in cluster.nodes.items():
        with node.log.open("rb") as handle:
            handle.seek(node_offsets[name])
            found_committed += handle.read().decode(errors="replace").count("first vote replayed")
    mismatched = [
        row[0]
        for row in cluster.primary.query(
            "SELECT t.slug FROM comparisons_tool t LEFT JOIN votes_vote v ON v.tool_id = t.id "
            "GROUP BY t.id HAVING t.community_ships <> count(v.id) FILTER (WHERE v.value = "
            "'ship') OR t.community_skips <> count(v.id) FILTER (WHERE v.value = 'skip')"
        )
    ]
    upstreams = nginx_upstreams(cluster, log_offset)
    passed_kinds = nginx_passed_on(cluster, log_offset)
    after_kill = [r for r in recs if r.t_start > t_killed]
    pages = [r for r in recs if r.kind == "page" and r.status == 200]
    page_reads = {where: sum(r.reads == where for r in pages) for where in ("replica", "primary")}
    ok = (
        killed >= 1 + WORKERS
        and not failed_later
        and after_kill
        and upstreams.get("A POST", 0) > 0
        and upstreams.get("B POST", 0) > 0
        and rows_added == len(ok_votes)  # exact: no vote lost, none counted twice
        and returning_rows == len(returning_ok)
        and first_rows == first_rows_all == len(first_voters) == len(first_ok)
        and not mismatched
    )
    equal = rows_added == len(ok_votes)
    passed_on = ", ".join(
        f"{n} {key.rsplit(' ', 1)[1]}" for key, n in sorted(upstreams.items()) if "then" in key
    )
    lines = [
        f"{len(votes)} votes through nginx from {STREAM_CLIENTS} clients in "
        f"{STREAM_SECONDS:g} s: {len(returning_ok) + len(returning_failed)} by returning "
        f"voters, {len(first_ok) + len(first_failed)} first votes (and {len(pages)} "
        "first-time visitors' pages)",
        f"node A (master and {killed - 1} workers) SIGKILLed at {t_kill:.1f} s with "
        f"{len(in_flight)} requests in flight; nginx logged "
        + ", ".join(f"{n} {key}" for key, n in sorted(upstreams.items()) if "then" not in key)
        + f"; passed from A to B: {passed_on or 'none'}",
        f"replayed on B after A died: {_first_votes(passed_kinds.get('first', 0))} "
        f"({found_committed} already committed by A: B found that voter's vote and counted "
        f"nothing), {_votes(passed_kinds.get('returning', 0))} by returning voters",
        f"failed: {len(returning_failed)} votes by returning voters, {len(first_failed)} first "
        f"votes, {len(failed_later)} requests after the kill; each of the {len(first_ok)} first "
        f"voters answered 200 holds the cookie of its one new row: "
        f"{'yes' if first_rows == first_rows_all == len(first_voters) == len(first_ok) else 'NO'}",
        f"Vote rows added in the primary: {rows_added} {'=' if equal else '≠'} "
        f"{len(ok_votes)} answers 200"
        + (
            ""
            if equal
            else f" (+{first_committed_unanswered} first votes and "
            f"+{returning_committed_unanswered} by returning voters committed without a 200 "
            f"answer; first-vote rows {first_rows_all}, of first voters answered 200 "
            f"{first_rows})"
        )
        + f"; every tool's counts equal its rows: {mismatched or 'yes'}",
        f"first-time visitors' pages during the stream read the replica {page_reads['replica']}"
        f" times, the primary {page_reads['primary']} (replica not yet at what the node had "
        "heard)",
    ]
    return {
        "node_killed_mid_stream": check(
            ok,
            lines,
            votes=len(votes),
            answered_200=len(ok_votes),
            rows_added=rows_added,
            first_votes_replayed=passed_kinds.get("first", 0),
            replays_found_committed=found_committed,
            in_flight_at_kill=len(in_flight),
            upstreams=upstreams,
            page_reads=page_reads,
        )
    }


def prove_standby_identical(cluster: Cluster) -> dict:
    assert cluster.primary and cluster.standby
    caught_up = cluster.wait_standby_caught_up()
    sql = "SELECT slug, community_ships, community_skips FROM comparisons_tool ORDER BY slug"
    votes = "SELECT count(*) FROM votes_vote"
    same = cluster.primary.query(sql) == cluster.standby.query(sql)
    rows = cluster.primary.query(votes)[0][0], cluster.standby.query(votes)[0][0]
    return {
        "standby_identical": check(
            caught_up is not None and same and rows[0] == rows[1],
            [
                f"caught up in {_ms(caught_up)}: every tool's counts "
                f"{'identical' if same else 'DIFFER'}; Vote rows {rows[0]} on the primary, "
                f"{rows[1]} on the standby"
            ],
        )
    }


# --- Report --------------------------------------------------------------------------------------

TITLES = {
    "vote_a_page_b": "1a A vote through node A is on the next page through node B",
    "bookmarks_both_nodes": "1b The bookmarks panel agrees on both nodes",
    "rate_limit_across_nodes": "2  The rate limit counts requests on both nodes",
    "publish_reaches_both_nodes": "3  An editor's publish changes the cached pages of both nodes",
    "replica_lag_never_hides_own_vote": "4  Replica lag never hides the visitor's own vote",
    "node_killed_mid_stream": "5  A node killed in the middle of a stream of votes",
    "standby_identical": "   The standby afterwards",
}


def render(report: dict) -> str:
    mark = {True: "PASS", False: "FAIL"}
    setup = ", ".join(
        f"{key.removesuffix('_s').replace('_', ' ')} {value} s"
        for key, value in report.get("setup_s", {}).items()
    )
    lines = [
        f"Ship or Skip cluster test: {mark[report['pass']]} in {report['run_s']} s "
        f"({report.get('config', {}).get('machine', '')})",
        f"nginx (deploy/nginx.conf) -> nodes A and B (gunicorn, {WORKERS} workers x {THREADS} "
        f"threads each, DEBUG off) -> Redis {report.get('config', {}).get('redis', '?')}, "
        "PostgreSQL 15 primary + streaming standby (pg_basebackup -R)",
        f"set-up: {setup}",
    ]
    for key, title in TITLES.items():
        if key in report["checks"]:
            result = report["checks"][key]
            lines.append(f"[{mark[result['pass']]}] {title}")
            lines += [f"       {line}" for line in result["lines"]]
    if report.get("error"):
        lines.append(f"ERROR {report['error']}")
    return "\n".join(lines)


def write_markdown(report: dict, text: str) -> None:
    OUT_MD.parent.mkdir(parents=True, exist_ok=True)
    OUT_MD.write_text(
        "# Cluster test: last run\n\n"
        f"`make cluster-test` (`scripts/cluster_test.py`), {report['started']}. What each check "
        "proves, and how, is in the script's docstring and the README's operations section.\n\n"
        "```text\n" + text + "\n```\n"
    )


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # so that teardown runs


def main() -> int:
    signal.signal(signal.SIGTERM, _terminate)
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M %Z"), "checks": {}}
    cluster = Cluster()
    try:
        cluster.setup()
        report["setup_s"] = cluster.timings
        report["config"] = {
            "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}",
            "redis": f"db {cluster.redis_db}"
            + (" (a private redis-server)" if cluster.redis_proc else " (this machine's)"),
        }
        slugs = published_slugs(cluster)
        for prove in (
            prove_votes_and_bookmarks,
            prove_rate_limit,
            prove_publish,
            prove_replica,
            prove_kill,
        ):
            report["checks"] |= prove(cluster, slugs)
        report["checks"] |= prove_standby_identical(cluster)
    except BaseException as exc:  # report, then tear down; KeyboardInterrupt included
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["traceback"] = traceback.format_exc()
        report["logs"] = cluster.logs_tail()
    finally:
        cluster.teardown()
    report["pass"] = (
        not report.get("error")
        and len(report["checks"]) == len(TITLES)
        and all(c["pass"] for c in report["checks"].values())
    )
    report["run_s"] = round(now(), 1)
    text = render(report)
    print(text)
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if report.get("error"):
        print(report["traceback"], file=sys.stderr)
        print(report["logs"], file=sys.stderr)
    else:
        write_markdown(report, text)
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
