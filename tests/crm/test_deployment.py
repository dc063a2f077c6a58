"""The deployment file and the production settings, checked without Docker."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS_VARIABLES = set(
    re.findall(r'env(?:_bool|_list)?\("(REGULARS_[A-Z_]+)"', (ROOT / "crm/settings/base.py").read_text())
    + re.findall(r'env(?:_bool|_list)?\("(REGULARS_[A-Z_]+)"', (ROOT / "crm/settings/production.py").read_text())
)
REQUIRED_IN_PRODUCTION = {
    "REGULARS_SECRET_KEY",
    "REGULARS_DATABASE_URL",
    "REGULARS_REDIS_URL",
    "REGULARS_BASE_DOMAIN",
    "REGULARS_ALLOWED_HOSTS",
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_environment(service: dict) -> dict:
    environment = dict(compose().get("x-regulars-environment", {}))
    environment.update(service.get("environment") or {})
    return environment


def test_compose_has_every_part_of_the_stack():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn crm.wsgi" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "crm.celery", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "crm.celery", "beat"]


def test_compose_sets_the_variables_the_settings_read_and_no_others():
    for name in ("web", "worker", "beat"):
        environment = app_environment(compose()["services"][name])
        assert environment["DJANGO_SETTINGS_MODULE"] == "crm.settings.production"
        regulars_variables = {key for key in environment if key.startswith("REGULARS_")}
        assert regulars_variables <= SETTINGS_VARIABLES, regulars_variables - SETTINGS_VARIABLES
        assert REQUIRED_IN_PRODUCTION <= regulars_variables


def test_compose_points_the_app_at_its_own_database_and_redis():
    services = compose()["services"]
    environment = app_environment(services["web"])
    postgres = services["postgres"]["environment"]
    assert environment["REGULARS_DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert environment["REGULARS_REDIS_URL"].startswith("redis://redis:6379/")


def test_readme_documents_every_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in SETTINGS_VARIABLES if f"`{name}`" not in readme)
    assert missing == []


def test_production_settings_pass_the_deployment_check():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(
        DJANGO_SETTINGS_MODULE="crm.settings.production",
        REGULARS_SECRET_KEY=secrets.token_urlsafe(64),
        REGULARS_ALLOWED_HOSTS="regulars.example,.regulars.example",
        REGULARS_BASE_DOMAIN="regulars.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_the_development_secret_key():
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="crm.settings.production")
    environment.pop("REGULARS_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Set REGULARS_SECRET_KEY to a random string of at least 50 characters." in result.stderr


def test_make_lint_runs_the_checks_that_make_test_runs():
    """One definition of the static checks: `make lint` runs the runner's `lint`, and the runner's
    `test` runs that same command before the tests (standard library only, outside the apps)."""
    import inspect

    from stack import commands

    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lint:\n\t\$\(PYTHON\) -m stack lint$", makefile, re.MULTILINE)
    assert re.search(r"^test:\n\t\$\(PYTHON\) -m stack test \$\(PYTEST_ARGS\)$", makefile, re.MULTILINE)
    assert "lint = command_lint()" in inspect.getsource(commands.command_test)
    lint = inspect.getsource(commands.command_lint)
    assert '"ruff", "check", "."' in lint and '"ruff", "format", "--check"' in lint
    assert not (ROOT / "crm" / "stack.py").exists()
