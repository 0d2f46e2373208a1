"""Where pgserver has no wheel, PostgreSQL's own binaries run the local cluster instead."""

import psycopg
import pytest

from shipskip import database

pytestmark = pytest.mark.slow


def test_postgresql_binaries_start_a_local_cluster_with_the_shipskip_database(tmp_path):
    if database._find_bindir() is None:
        pytest.skip("PostgreSQL's server binaries are not installed")
    pgdata = tmp_path / "postgres-local"
    try:
        url = database._binaries_database_url(pgdata)
        assert url.endswith(f"/{database.DATABASE_NAME}?host={pgdata}")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("shipskip",)
        # A second start finds it running and changes nothing.
        assert database._binaries_database_url(pgdata) == url
    finally:
        database.stop_binaries_cluster(pgdata)


def test_without_pgserver_or_binaries_the_message_says_how_to_set_database_url(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(database, "_find_bindir", lambda: None)
    with pytest.raises(Exception, match="DATABASE_URL") as error:
        database._binaries_database_url(tmp_path / "pg")
    assert "postgresql://" in str(error.value)
