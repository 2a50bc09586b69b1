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


PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.PASSWORD_HASHERS[0]); print(settings.CACHES['default']['LOCATION']); "
    "print(settings.CELERY_BROKER_URL); print(settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)"
)


def test_development_and_production_keep_the_strong_password_hasher_and_separate_redis_databases():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REDIS_URL": "redis://cache.example:6379/4",
    }
    for extra in (
        {},
        {
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": "a-real-secret-" + "k" * 50,
            "FIELD_ENCRYPTION_KEY": "Y2hlY2stZGVwbG95LXRocm93YXdheS1rZXktMDAwMDA=",
            "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        },
    ):
        result = subprocess.run(
            [sys.executable, "-c", PRINT_SETTINGS],
            env={**env, **extra},
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "django.contrib.auth.hashers.PBKDF2PasswordHasher\n"
            "redis://cache.example:6379/4\n"
            "redis://cache.example:6379/5\n"
            "60 90\n"
        )


def test_the_test_suite_hashes_fast_and_never_shares_the_brokers_redis_database():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.CACHES["default"]["LOCATION"] != settings.CELERY_BROKER_URL
    assert (
        settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[0]
        == settings.CELERY_BROKER_URL.rsplit("/", 1)[0]
    )
