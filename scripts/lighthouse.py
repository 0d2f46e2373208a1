"""Lighthouse on the production stack: performance, accessibility, best practices and SEO.

    make lighthouse                                   # or: .venv/bin/python scripts/lighthouse.py
    .venv/bin/python scripts/lighthouse.py --url http://127.0.0.1:8000   # a server already running

Starts the stack as `make serve` does (DEBUG off, gunicorn with gunicorn.conf.py, hashed and
compressed static files, no HTTPS redirect on loopback) on a free port with its own database
(shipskip_lighthouse on DATABASE_URL's server, else on 127.0.0.1:5432, else an embedded
PostgreSQL in .data/lighthouse/), migrates it, loads the demo content and collects the static
files. Then runs Lighthouse 12.8.2 from node_modules (`make node-deps`) with Debian's Chromium,
mobile form factor (Lighthouse's default), on the home page, the directory, a tool page and a
curated comparison, three times each (the run with the median performance score counts: only
performance moves with the machine's load); prints the scores, and writes docs/lighthouse.md
and docs/lighthouse.json. The raw reports go to .data/lighthouse/ (git-ignored).

Exit status: 0 when every score is at least the threshold (95), 1 when one is lower (the results
are written anyway), 2 when Lighthouse could not run. The standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
OUT = ROOT / ".data" / "lighthouse"  # git-ignored: raw reports and logs
DOCS = ROOT / "docs"
HOST = "127.0.0.1"
DB_NAME = "shipskip_lighthouse"
LIGHTHOUSE_VERSION = "12.8.2"  # the last release that runs on Node 20 (13.x wants Node 22.19+)
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CATEGORY_TITLES = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best practices",
    "seo": "SEO",
}
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
    "--disable-background-networking"
)
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


class LighthouseError(Exception):
    """Lighthouse could not run (as opposed to a score under the threshold)."""


def log(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# What to measure


def demo_pages() -> list[tuple[str, str]]:
    """Home, the directory, a tool page and a curated comparison from the demo content."""
    content = json.loads((ROOT / "comparisons" / "demo_content.json").read_text())
    tools = content["comparisons"][0]["tools"]  # the seed comparison
    return [
        ("home", "/"),
        ("directory", "/tools/"),
        ("tool", f"/tools/{tools[0]}/"),
        ("comparison", f"/compare/{'-vs-'.join(tools)}/"),
    ]


# ---------------------------------------------------------------------------------------------
# The production stack


def server_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def database_env() -> dict[str, str]:
    """DATABASE_URL's server with the database renamed, else the local PostgreSQL service, else
    an embedded PostgreSQL in its own data folder (never the development database)."""
    base = os.environ.get("DATABASE_URL", "").strip()
    if base:
        parts = urllib.parse.urlsplit(base)
        return {"DATABASE_URL": urllib.parse.urlunsplit(parts._replace(path=f"/{DB_NAME}"))}
    if server_reachable(HOST, 5432):
        return {"DATABASE_URL": f"postgresql://postgres@{HOST}:5432/{DB_NAME}"}
    return {"DATABASE_URL": "", "SHIPSKIP_DATA_DIR": str(OUT / "embedded")}


# Runs in the project's virtualenv (psycopg lives there, not in this script's standard library).
CREATE_DATABASE = """
import sys, urllib.parse, psycopg
from psycopg import sql
url, name = sys.argv[1], sys.argv[2]
admin = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print("created")
"""


def ensure_database(env: dict[str, str]) -> None:
    if not env.get("DATABASE_URL"):
        return  # the embedded PostgreSQL creates its database itself
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", CREATE_DATABASE, env["DATABASE_URL"], DB_NAME],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise LighthouseError(f"Cannot create database {DB_NAME}:\n{result.stderr.strip()}")
    if "created" in result.stdout:
        log(f"  created database {DB_NAME}")


def production_env() -> dict[str, str]:
    """The Makefile's PROD_ENV (as bench/run.py's bench_env): DEBUG off, plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        WEB_CONCURRENCY="2",  # one visitor at a time; leave the other core to Chromium
        PYTHONUNBUFFERED="1",
    )
    env.update(database_env())
    if not env["DATABASE_URL"]:
        del env["DATABASE_URL"]
    return env


def manage(env: dict[str, str], *args: str) -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    with open(OUT / "manage.log", "a", encoding="utf-8") as handle:
        handle.write(f"$ manage.py {' '.join(args)}  (exit {result.returncode})\n")
        handle.write(result.stdout + result.stderr + "\n")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise LighthouseError(f"manage.py {args[0]} failed (exit {result.returncode}):\n{tail}")
    log(f"  manage.py {args[0]} ({time.perf_counter() - started:.1f} s)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> int:
    """The status of a GET, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Server:
    """gunicorn with the repo's config on a free loopback port; stopped by its process id."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        self.base = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = OUT / "gunicorn.log"

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
                raise LighthouseError(f"gunicorn exited at start; see {self.log_path}")
            with contextlib.suppress(OSError):
                if get(self.base + "/healthz", timeout=2) == 200:
                    return
            time.sleep(0.3)
        raise LighthouseError(f"gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


# ---------------------------------------------------------------------------------------------
# Lighthouse


def lighthouse_command(url: str, output: Path) -> list[str]:
    return [
        "npx",
        "--no",  # node_modules only: never download another version
        "--",  # everything after is Lighthouse's (without it npx takes --version itself)
        "lighthouse",
        url,
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]


def check_tools() -> str:
    """Chromium's path; Lighthouse 12.8.2 installed from package-lock.json."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise LighthouseError("Lighthouse needs Chromium: apt-get install chromium")
    if shutil.which("npx") is None:
        raise LighthouseError("Lighthouse needs Node.js 20 and npm (npx) on PATH.")
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    if not package.is_file():
        raise LighthouseError("Lighthouse is not installed: run `make node-deps` (npm ci).")
    version = json.loads(package.read_text())["version"]
    if version != LIGHTHOUSE_VERSION:
        raise LighthouseError(
            f"node_modules has Lighthouse {version}, package-lock.json pins "
            f"{LIGHTHOUSE_VERSION}: run `make node-deps`."
        )
    return chromium


def audit_elements(audit: dict, limit: int = 5) -> list[str]:
    """CSS selectors (else snippets or URLs) of what an audit flagged, for the developer."""
    found = []
    for item in (audit.get("details") or {}).get("items", []):
        node = item.get("node") or {}
        where = node.get("selector") or node.get("snippet") or item.get("url") or item.get("source")
        if isinstance(where, str) and where and where not in found:
            found.append(where)
    return found[:limit]


def failing_audits(report: dict, category: str) -> list[dict]:
    """The audits that cost the category points, worst first."""
    audits = report["audits"]
    found = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        if ref.get("weight", 0) <= 0 or audit.get("score") is None:
            continue
        if audit["score"] < 1 and audit.get("scoreDisplayMode") in ("binary", "numeric"):
            found.append(
                {
                    "id": ref["id"],
                    "title": audit.get("title", ref["id"]),
                    "score": audit["score"],
                    "display": audit.get("displayValue", ""),
                    "weight": ref["weight"],
                    "elements": audit_elements(audit),
                }
            )
    return sorted(found, key=lambda item: (item["score"], -item["weight"]))


def median_run(name: str, url: str, chromium: str, runs: int) -> dict:
    """Lighthouse ``runs`` times; the run with the median performance score, all four scores
    from that one run (only performance moves between runs, by the machine's load)."""
    results = [run_with_retries(f"{name}-{run + 1}", url, chromium) for run in range(runs)]
    ordered = sorted(results, key=lambda result: result["scores"]["performance"] or 0)
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["page"] = name
    median["performance_runs"] = [result["scores"]["performance"] for result in results]
    median["seconds"] = round(sum(result["seconds"] for result in results), 1)
    return median


def run_with_retries(name: str, url: str, chromium: str, attempts: int = 3) -> dict:
    """Lighthouse now and then fails to record a trace on a busy machine (NO_NAVSTART,
    NO_FCP); such a run says nothing about the page, so it is tried again."""
    for attempt in range(1, attempts + 1):
        try:
            return run_lighthouse(name, url, chromium)
        except LighthouseError as error:
            if attempt == attempts:
                raise
            log(f"  run {name} failed, trying again: {str(error).splitlines()[-1]}")
    raise AssertionError("unreachable")


def run_lighthouse(name: str, url: str, chromium: str) -> dict:
    output = OUT / f"{name}.report.json"
    output.unlink(missing_ok=True)
    command = lighthouse_command(url, output)
    env = {**os.environ, "CHROME_PATH": chromium}
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    (OUT / f"{name}.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0 or not output.is_file():
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise LighthouseError(f"Lighthouse failed on {url} (exit {result.returncode}):\n{tail}")
    report = json.loads(output.read_text())
    if report.get("runtimeError"):
        raise LighthouseError(f"Lighthouse on {url}: {report['runtimeError']}")
    scores = {}
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        scores[category] = None if score is None else round(score * 100)
    return {
        "page": name,
        "path": urllib.parse.urlsplit(url).path,
        "scores": scores,
        "metrics": {
            label: report["audits"][audit_id].get("displayValue", "")
            for audit_id, label in METRICS.items()
            if audit_id in report["audits"]
        },
        "failing_audits": {
            category: failing_audits(report, category)
            for category in CATEGORIES
            if (scores[category] or 0) < 100
        },
        "warnings": report.get("runWarnings", []),
        "seconds": round(time.perf_counter() - started, 1),
    }


# ---------------------------------------------------------------------------------------------
# Reports


def score_table(results: list[dict], threshold: int) -> list[str]:
    header = "| page | path | " + " | ".join(CATEGORY_TITLES[c] for c in CATEGORIES) + " |"
    lines = [header, "| --- | --- | " + " | ".join("---:" for _ in CATEGORIES) + " |"]
    for result in results:
        cells = []
        for category in CATEGORIES:
            score = result["scores"][category]
            text = "n/a" if score is None else str(score)
            cells.append(f"**{text}** ✗" if score is None or score < threshold else text)
        lines.append(f"| {result['page']} | `{result['path']}` | " + " | ".join(cells) + " |")
    return lines


def write_reports(summary: dict) -> None:
    threshold = summary["threshold"]
    lines = [
        "# Lighthouse",
        "",
        f"Latest run: {summary['date']}, Lighthouse {summary['lighthouse']}, {summary['chromium']},"
        " mobile form factor (Lighthouse's default: simulated slow 4G and a 4× slower CPU),"
        " production settings (`DEBUG` off, gunicorn, hashed and compressed static files) over"
        " plain HTTP on loopback, the demo content.",
        "",
        "```sh",
        summary["command"],
        "```",
        "",
        f"Every score must be at least {threshold} (`make lighthouse` exits 1 otherwise). "
        f"Result: **{'pass' if summary['passed'] else 'FAIL'}**.",
        "",
        *score_table(summary["results"], threshold),
        "",
        f"Each page ran {summary['runs']} time(s); the table shows the run with the median "
        "performance score. Its metrics (simulated mobile), and every run's performance score:",
        "",
        "| page | " + " | ".join(METRICS.values()) + " | performance, each run |",
        "| --- | " + " | ".join("---:" for _ in METRICS) + " | ---: |",
    ]
    for result in summary["results"]:
        lines.append(
            f"| {result['page']} | "
            + " | ".join(result["metrics"].get(label, "") for label in METRICS.values())
            + f" | {', '.join(str(score) for score in result['performance_runs'])} |"
        )
    lost = [
        (result, category, audit)
        for result in summary["results"]
        for category, audits in result["failing_audits"].items()
        for audit in audits
    ]
    lines += ["", "## Audits that cost points", ""]
    if not lost:
        lines.append("None: every category scored 100 on every page.")
    for result, category, audit in lost:
        detail = f" ({audit['display']})" if audit["display"] else ""
        where = ", ".join(f"`{element}`" for element in audit["elements"])
        lines.append(
            f"- {result['page']}, {CATEGORY_TITLES[category]}: `{audit['id']}` — "
            f"{audit['title']}{detail}, score {audit['score']:.2f}"
            + (f"; at {where}" if where else "")
        )
    lines += [
        "",
        "Only the performance score moves between runs: on a 2-core machine it drops when other "
        "work competes for the CPU (Lighthouse simulates a 4× slower phone on top). The raw "
        "reports are in `.data/lighthouse/<page>-<run>.report.json` after a run.",
        "",
    ]
    DOCS.mkdir(exist_ok=True)
    (DOCS / "lighthouse.md").write_text("\n".join(lines))
    (DOCS / "lighthouse.json").write_text(json.dumps(summary, indent=2) + "\n")


def chromium_version(chromium: str) -> str:
    result = subprocess.run(
        [chromium, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("Chromium"):
            return " ".join(line.split()[:2])
    return "Chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="measure this running server instead of starting one")
    parser.add_argument("--threshold", type=int, default=95, help="lowest passing score (95)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per page; the median one counts (3)"
    )
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    for stale in [*OUT.glob("*.report.json"), *OUT.glob("*.log")]:
        stale.unlink()  # reports of an earlier run
    server = None
    try:
        chromium = check_tools()
        if args.url:
            base = args.url.rstrip("/")
        else:
            log("Starting the production stack")
            env = production_env()
            ensure_database(env)
            manage(env, "migrate", "--noinput")
            manage(env, "load_demo")
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            server = Server(env)
            server.start()
            base = server.base
            log(f"  gunicorn at {base}")

        pages = demo_pages()
        for _name, path in pages:
            status = get(base + path)
            if status != 200:
                raise LighthouseError(f"{base}{path} answered {status}, not 200")
            get(base + path)  # warm: as a visitor usually meets it, from the page cache

        results = []
        for name, path in pages:
            log(f"Lighthouse: {name} ({path}), {args.runs} run(s)")
            results.append(median_run(name, base + path, chromium, max(1, args.runs)))
    except LighthouseError as error:
        log(f"make lighthouse could not run: {error}")
        return 2
    finally:
        if server is not None:
            server.stop()

    passed = all(
        score is not None and score >= args.threshold
        for result in results
        for score in result["scores"].values()
    )
    example = " ".join(shlex.quote(part) for part in lighthouse_command("<url>", Path("<out>")))
    summary = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make lighthouse   # each page: CHROME_PATH=$(command -v chromium) " + example,
        "lighthouse": LIGHTHOUSE_VERSION,
        "chromium": chromium_version(chromium),
        "threshold": args.threshold,
        "runs": args.runs,
        "passed": passed,
        "results": results,
    }
    write_reports(summary)
    log("")
    for line in score_table(results, args.threshold):
        log(line)
    log("")
    log(f"Written docs/lighthouse.md and docs/lighthouse.json; raw reports in {OUT}")
    if not passed:
        log(f"FAIL: a score is under {args.threshold}; see 'Audits that cost points'.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
