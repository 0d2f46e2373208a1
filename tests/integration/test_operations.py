import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import psycopg.sql
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from ops import postgres
from tests.factories import make_user
from votes.services import bookmark_add, vote_set
from votes.voters import Voter

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_liveness_never_touches_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_the_database(client):
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


@pytest.mark.slow
def test_readiness_is_503_within_two_seconds_when_postgresql_is_down():
    probe = (
        "import time, json\nfrom django.test import Client\nc = Client()\n"
        "t = time.monotonic(); r = c.get('/readyz'); d = time.monotonic() - t\n"
        "l = c.get('/healthz')\n"
        "print(json.dumps([r.status_code, d, l.status_code]))"
    )
    env = {k: v for k, v in os.environ.items()} | {
        "DJANGO_DEBUG": "true",
        # A port nothing listens on: PostgreSQL is "down".
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/shipskip",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    status, seconds, liveness = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503 and seconds < 2 and liveness == 200


@pytest.mark.django_db
def test_every_request_is_logged_on_one_line_with_status_and_duration(client):
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("shipskip.requests")
    handler, was_disabled, level = Collect(), logger.disabled, logger.level
    logger.addHandler(handler)
    logger.disabled, logger.level = False, logging.INFO
    try:
        client.get("/healthz")
        client.get("/no-such-page/")
    finally:
        logger.removeHandler(handler)
        logger.disabled, logger.level = was_disabled, level
    assert len(lines) == 2
    assert lines[0].startswith("GET /healthz 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /no-such-page/ 404 ")


@pytest.mark.django_db
def test_styled_error_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and b"We couldn't find that page" in response.content
    assert b'class="site-header"' in response.content


def row_counts(dsn: str) -> dict[str, int]:
    tables = sorted({m._meta.db_table for m in apps.get_models()})
    with psycopg.connect(dsn) as conn:
        count = psycopg.sql.SQL("SELECT count(*) FROM {}")
        return {
            t: conn.execute(count.format(psycopg.sql.Identifier(t))).fetchone()[0] for t in tables
        }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_every_row(tmp_path, demo_transactional):
    user = make_user()
    from comparisons.models import Tool

    tool = Tool.objects.get(slug="cursor")
    vote_set(tool=tool, voter=Voter(anonymous_id=uuid.uuid4()), value="ship")
    vote_set(tool=tool, voter=Voter(user_id=user.pk), value="skip")
    bookmark_add(user_id=user.pk, tool=tool)

    backup = tmp_path / "shipskip.dump"
    call_command("backup", "--output", str(backup))
    assert backup.stat().st_size > 0

    source = postgres.database_url()
    empty = f"{connection.settings_dict['NAME']}_restore_{int(time.time())}"
    with psycopg.connect(source, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{empty}"')
    target = source.replace(f"/{connection.settings_dict['NAME']}", f"/{empty}", 1)
    assert target != source
    try:
        call_command("restore", str(backup), "--database-url", target)
        assert row_counts(target) == row_counts(source)
        with psycopg.connect(target) as conn:
            assert conn.execute(
                "SELECT community_ships, community_skips FROM comparisons_tool WHERE slug = %s",
                ["cursor"],
            ).fetchone() == (1, 1)
    finally:
        with psycopg.connect(source, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')


@pytest.fixture
def demo_transactional(transactional_db):
    from comparisons.demo import load_demo_content

    load_demo_content()
