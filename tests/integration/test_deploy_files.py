"""Docker cannot run here, so these keep docker-compose.yml, the Dockerfile and gunicorn.conf.py
in step with the settings, and prove the production settings themselves."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS = (ROOT / "shipskip" / "settings.py").read_text()

READ_BY_SETTINGS = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', SETTINGS)) | {
    "DATABASE_URL",
    "SHIPSKIP_DATA_DIR",  # read in shipskip/database.py
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_BIND",  # read by gunicorn.conf.py
}


def test_every_variable_the_web_service_sets_is_read_by_the_settings():
    environment = COMPOSE["services"]["web"]["environment"]
    unknown = set(environment) - READ_BY_SETTINGS
    assert not unknown, f"compose sets variables nothing reads: {unknown}"


def test_the_web_service_sets_everything_production_requires():
    environment = COMPOSE["services"]["web"]["environment"]
    assert environment["DJANGO_DEBUG"] == "false"
    assert "DJANGO_SECRET_KEY" in environment and "DJANGO_ALLOWED_HOSTS" in environment
    assert "${DJANGO_SECRET_KEY:?" in environment["DJANGO_SECRET_KEY"], "no default secret"


def test_the_database_url_points_at_the_database_service_and_its_credentials():
    services = COMPOSE["services"]
    url = services["web"]["environment"]["DATABASE_URL"]
    db = services["db"]["environment"]
    assert re.match(
        r"postgresql://shipskip:\$\{POSTGRES_PASSWORD:-shipskip\}@db:5432/shipskip$", url
    )
    assert db["POSTGRES_USER"] == "shipskip" and db["POSTGRES_DB"] == "shipskip"
    assert services["db"]["volumes"] and "healthcheck" in services["db"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_ports_agree_between_compose_dockerfile_and_gunicorn():
    web = COMPOSE["services"]["web"]
    assert web["ports"] == ["8000:8000"]
    assert web["environment"]["PORT"] == "8000"
    assert "EXPOSE 8000" in DOCKERFILE and "PORT=8000" in DOCKERFILE
    gunicorn = (ROOT / "gunicorn.conf.py").read_text()
    assert "os.environ.get('PORT', '8000')" in gunicorn
    assert "/readyz" in json.dumps(web["healthcheck"])


def test_redis_is_optional_and_read_through_redis_url():
    assert COMPOSE["services"]["redis"]["profiles"] == ["redis", "scale"]
    assert COMPOSE["services"]["web"]["environment"]["REDIS_URL"] == "${REDIS_URL:-}"
    assert "REDIS_URL" in READ_BY_SETTINGS


def test_the_image_is_slim_non_root_and_runs_migrations_then_gunicorn():
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert stages[-1].endswith("-slim") and len(stages) == 2
    final = DOCKERFILE.split("FROM ", 2)[2]
    assert "USER shipskip" in final and "apt-get" not in final and "gcc" not in final
    assert "collectstatic" in final
    assert "migrate --noinput && exec gunicorn -c gunicorn.conf.py shipskip.wsgi" in final
    for app in (
        "shipskip",
        "comparisons",
        "votes",
        "accounts",
        "throttle",
        "newsletter",
        "api",
        "ops",
    ):
        assert f"COPY {app} ./{app}" in DOCKERFILE, f"the build stage does not install {app}"


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return env | {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shiporskip.example",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none"),
        **extra,
    }


@pytest.mark.slow
def test_check_deploy_passes_with_production_settings():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.slow
def test_debug_off_without_a_secret_key_refuses_to_start():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "DJANGO_SECRET_KEY must be set" in done.stderr


HEADERS_PROBE = """
import json
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="shiporskip.example")
print(json.dumps({"status": response.status_code, "headers": dict(response.headers),
                  "cookie_names": [__import__("django.conf").conf.settings.SESSION_COOKIE_NAME,
                                   __import__("django.conf").conf.settings.CSRF_COOKIE_NAME]}))
"""


@pytest.mark.slow
def test_production_responses_carry_every_security_header():
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", HEADERS_PROBE],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in result["headers"].items()}
    assert result["status"] == 200
    max_age = int(re.search(r"max-age=(\d+)", headers["strict-transport-security"]).group(1))
    assert max_age >= 31_536_000
    csp = dict(
        (part.split(" ", 1) + [""])[:2] for part in headers["content-security-policy"].split("; ")
    )
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert result["cookie_names"] == ["__Host-sessionid", "__Host-csrftoken"]


def test_every_environment_variable_is_documented_in_env_example_and_the_readme():
    read = READ_BY_SETTINGS | set(
        re.findall(r'environ\.get\(\s*["\']([A-Z_]+)', (ROOT / "gunicorn.conf.py").read_text())
    )
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    readme = (ROOT / "README.md").read_text()
    assert read - documented == set(), "missing from .env.example"
    assert {name for name in read if f"`{name}`" not in readme} == set(), "missing from README"
