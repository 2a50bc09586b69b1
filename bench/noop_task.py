"""The baseline of bench.outbox: a Celery task that does nothing (the worker loads it with --include)."""

from config.celery import app


@app.task(ignore_result=True)
def noop() -> None:
    pass
