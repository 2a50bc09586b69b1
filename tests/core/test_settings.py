"""Production mode refuses to start without its secrets."""

import os
import subprocess
import sys

from django.conf import settings

BOOT = "import django; django.setup(); print('started')"


def boot(**env_overrides) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_ENV", "DJANGO_SECRET", "DJANGO_ALLOWED", "FIELD_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", BOOT],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secrets():
    result = boot(DJANGO_ENV="production")
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: Production needs these environment variables: "
        "DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEY, DJANGO_ALLOWED_HOSTS"
    ) in result.stderr


def test_production_refuses_the_development_keys():
    result = boot(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="dev-insecure-secret-key-do-not-use-in-production-0123456789",
        FIELD_ENCRYPTION_KEY="ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktISE=",
        DJANGO_ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Production must not use the development keys." in result.stderr


def test_production_starts_with_its_secrets():
    result = boot(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="a-real-secret-" + "k" * 50,
        FIELD_ENCRYPTION_KEY="Y2hlY2stZGVwbG95LXRocm93YXdheS1rZXktMDAwMDA=",
        DJANGO_ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "started\n"


def test_development_defaults_just_work():
    result = boot()
    assert result.returncode == 0, result.stderr
