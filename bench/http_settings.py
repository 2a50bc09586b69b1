"""Settings of the gunicorn that bench.throughput starts: production settings plus a hello-world URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
