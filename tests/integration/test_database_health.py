"""A reused database connection is checked before each request's first query without a round
trip (shipskip/postgresql): a healthy one sends nothing extra, one PostgreSQL has closed is
replaced and the request is answered."""

import pytest
from django.db import close_old_connections, connection

from tests.factories import reviewed_tool

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        # Wait until it is gone: the server has then closed its end of the socket.
        for _ in range(200):
            row = other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            if row is None:
                return
            other.execute("SELECT pg_sleep(0.01)")
    raise AssertionError(f"backend {pid} did not end")


def test_a_healthy_idle_connection_is_usable_without_asking_the_server(monkeypatch):
    backend_pid()
    sent = []
    raw = connection.connection
    original = raw.cursor
    monkeypatch.setattr(raw, "cursor", lambda *a, **k: sent.append(1) or original(*a, **k))
    assert connection.is_usable()
    assert sent == []


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(client):
    tool = reviewed_tool()
    pid = backend_pid()
    terminate(pid)
    assert not connection.is_usable()
    # What a request does first: drop the dead connection (Django's request_started handler,
    # with health checks on), then query on a new one.
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    response = client.get(tool.get_absolute_url())
    assert response.status_code == 200
    assert backend_pid() != pid


def test_requests_after_the_server_closed_the_connection_are_answered(client):
    tool = reviewed_tool()
    for _ in range(3):
        terminate(backend_pid())
        # Django's handler runs this at the start of every request; the test client skips it.
        close_old_connections()
        assert client.get(tool.get_absolute_url()).status_code == 200
        close_old_connections()
        assert client.post(f"/votes/{tool.slug}/", {"value": "ship"}).status_code == 302
