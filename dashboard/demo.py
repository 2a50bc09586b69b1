"""Demo: the dashboard's rollups computed once from the other apps' demo data (seeded before
this, core/management/commands/seed_demo.py), so `make run` shows every panel at once; the
beat task (config/celery.py) keeps them current after that."""

from dashboard.actions import rollups_refresh


def seed(*, stdout) -> None:
    run = rollups_refresh()
    stdout.write(f"  dashboard: {run.rows} rollup rows (refreshed every 5 minutes by the beat)")
