"""The docker-compose "scale" profile (two web nodes behind nginx, Redis, a PostgreSQL primary
and a streaming replica) agrees with the settings, nginx's configuration and the PostgreSQL
scripts. Docker does not run here; `make cluster-test` runs the same nginx file, the same
settings and a pg_basebackup replica on this machine."""

import re
from pathlib import Path

import pytest
import yaml

from tests.integration.test_deploy_files import COMPOSE, READ_BY_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
SERVICES = COMPOSE["services"]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
SCALE = {name for name, service in SERVICES.items() if "scale" in service.get("profiles", [])}
WEB_NODES = ["web1", "web2"]
DATABASE_URL = re.compile(
    r"postgresql://(?P<user>\w+):\$\{POSTGRES_PASSWORD:-(?P<default>\w+)\}@(?P<host>[\w-]+):5432/"
    r"(?P<db>\w+)$"
)


def scale_environment(name: str) -> dict:
    return SERVICES[name]["environment"]


def test_the_scale_profile_has_each_piece():
    assert {"lb", *WEB_NODES, "migrate", "redis", "db-primary", "db-replica"} <= SCALE
    assert SERVICES["lb"]["image"].startswith("nginx:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    for name in ("db-primary", "db-replica"):
        assert SERVICES[name]["image"].startswith("postgres:"), name
    assert SERVICES["db-primary"]["image"] == SERVICES["db-replica"]["image"], "same major"


def test_the_default_stack_is_unchanged_by_the_profile():
    """`docker compose up` with no profile still starts just PostgreSQL and one web service."""
    default = {name for name, service in SERVICES.items() if not service.get("profiles")}
    assert default == {"db", "web"}


@pytest.mark.parametrize("name", [*WEB_NODES, "migrate"])
def test_every_variable_a_scale_service_sets_is_read_by_the_settings(name):
    unknown = set(scale_environment(name)) - READ_BY_SETTINGS
    assert not unknown, f"{name} sets variables nothing reads: {unknown}"


@pytest.mark.parametrize("name", WEB_NODES)
def test_web_nodes_run_with_production_settings_behind_the_proxy(name):
    env = scale_environment(name)
    assert env["DJANGO_DEBUG"] == "false"
    assert "${DJANGO_SECRET_KEY:?" in env["DJANGO_SECRET_KEY"], "no default secret"
    assert env["DJANGO_ALLOWED_HOSTS"] and env["PORT"] == "8000"
    assert env["DJANGO_BEHIND_PROXY"] == "true", "rate limits need the client's address"
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in NGINX
    assert "X-Forwarded-Proto $scheme" in NGINX


@pytest.mark.parametrize("name", [*WEB_NODES, "migrate"])
def test_nodes_write_to_the_primary_read_the_replica_and_share_redis(name):
    env = scale_environment(name)
    primary = DATABASE_URL.match(env["DATABASE_URL"])
    replica = DATABASE_URL.match(env["DATABASE_REPLICA_URL"])
    assert primary and primary["host"] == "db-primary"
    assert replica and replica["host"] == "db-replica"
    db = SERVICES["db-primary"]["environment"]
    for url in (primary, replica):  # a physical replica has the primary's roles and databases
        assert (url["user"], url["db"]) == (db["POSTGRES_USER"], db["POSTGRES_DB"])
        assert f"${{POSTGRES_PASSWORD:-{url['default']}}}" == db["POSTGRES_PASSWORD"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "REDIS_URL" in READ_BY_SETTINGS and "DATABASE_REPLICA_URL" in READ_BY_SETTINGS


def test_both_web_nodes_are_the_same_image_and_settings():
    first, second = (SERVICES[name] for name in WEB_NODES)
    assert first == second
    assert first["build"] == "." and "ports" not in first, "only the load balancer is published"


@pytest.mark.parametrize("name", WEB_NODES)
def test_web_nodes_start_after_the_migration_the_replica_and_redis(name):
    node = SERVICES[name]
    assert "migrate" not in " ".join(node["command"]), "two nodes migrating at once collide"
    assert node["command"] == ["gunicorn", "-c", "gunicorn.conf.py", "shipskip.wsgi"]
    depends = node["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["db-replica"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert "/readyz" in str(node["healthcheck"]["test"])
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"]["db-primary"]["condition"] == "service_healthy"


def test_nginx_balances_over_exactly_the_web_nodes():
    upstream = re.search(r"upstream shipskip_web \{(.*?)\}", NGINX, re.S).group(1)
    servers = re.findall(r"^\s*server ([\w-]+):(\d+)", upstream, re.M)
    assert sorted(host for host, _ in servers) == WEB_NODES
    assert {port for _, port in servers} == {scale_environment("web1")["PORT"]}
    assert NGINX.count("proxy_pass http://shipskip_web;") >= 1
    lb = SERVICES["lb"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in lb["volumes"]
    assert lb["ports"] == ["8080:80"] and re.search(r"^\s*listen 80;", NGINX, re.M)
    assert set(lb["depends_on"]) == set(WEB_NODES)


def test_nginx_replays_only_votes_that_are_safe_to_replay():
    """A POST a node already received is passed on only for a vote or a withdrawal; everything
    else (sign-ups, logins, admin saves) gets the 502 rather than running twice. A first vote is
    safe to replay because nginx names the request and the nodes, trusting it, make the new
    voter's id from that name (votes/voters.py)."""
    server_wide = re.search(r"^\s{4}proxy_next_upstream ([^;]+);", NGINX, re.M).group(1)
    assert "non_idempotent" not in server_wide
    assert NGINX.count("non_idempotent") == 1
    votes = re.search(r"location /votes/ \{(.*?)\n    \}", NGINX, re.S).group(1)
    assert "proxy_next_upstream error non_idempotent;" in votes
    assert "if " not in votes and "return " not in votes  # every vote, first votes included
    # Set at the server level (a location's own proxy_set_header would drop it), from nginx's
    # own $request_id, never the client's header.
    assert re.search(r"^\s{4}proxy_set_header X-Request-ID \$request_id;", NGINX, re.M)
    assert "proxy_set_header" not in votes
    assert all(env["DJANGO_BEHIND_PROXY"] == "true" for env in map(scale_environment, WEB_NODES))
    # nginx's idle connections to a node close before gunicorn's own keepalive does.
    nginx_keepalive = int(re.search(r"keepalive_timeout (\d+)s;", NGINX).group(1))
    gunicorn = (ROOT / "gunicorn.conf.py").read_text()
    assert nginx_keepalive < int(re.search(r"^keepalive = (\d+)", gunicorn, re.M).group(1))


def test_the_replica_is_a_streaming_copy_of_the_primary_made_with_pg_basebackup():
    primary, replica = SERVICES["db-primary"], SERVICES["db-replica"]
    assert "wal_level=replica" in primary["command"]
    init = (ROOT / "deploy/postgres/primary-init.sh").read_text()
    mount = "./deploy/postgres/primary-init.sh:/docker-entrypoint-initdb.d/10-replication.sh:ro"
    assert mount in primary["volumes"]
    assert "CREATE ROLE replicator WITH REPLICATION" in init
    assert "host replication replicator all scram-sha-256" in init
    slot = re.search(r"pg_create_physical_replication_slot\('(\w+)'\)", init).group(1)

    script_path = replica["entrypoint"][-1]
    assert f"./deploy/postgres/replica-entrypoint.sh:{script_path}:ro" in replica["volumes"]
    script = (ROOT / "deploy/postgres/replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in script and "--write-recovery-conf" in script
    assert f"--slot={slot}" in script and "--username=replicator" in script
    assert "hot_standby=on" in script
    env = replica["environment"]
    assert env["PRIMARY_HOST"] == "db-primary"
    assert env["REPLICATION_PASSWORD"] == primary["environment"]["REPLICATION_PASSWORD"]
    assert replica["depends_on"]["db-primary"]["condition"] == "service_healthy"
    assert "pg_is_in_recovery" in str(replica["healthcheck"]["test"])
    named = set(COMPOSE["volumes"])
    for service in (primary, replica):
        assert service["volumes"][0].split(":")[0] in named


def test_the_compose_file_parses_as_plain_yaml_with_anchors_resolved():
    """Both web nodes come from one anchor; a copy-paste drift between them is impossible."""
    raw = (ROOT / "docker-compose.yml").read_text()
    assert raw.count("<<: *scale-web") == len(WEB_NODES)
    assert yaml.safe_load(raw)["services"]["web1"]["environment"]["DJANGO_DEBUG"] == "false"
