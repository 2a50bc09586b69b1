"""Every periodic task in the beat schedule names a task the worker knows (a typo would fail silently)."""

from config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        "notifications.tasks.sweep_outbox",
        "core.tasks.record_worker_heartbeat",
        "deliberation.tasks.mark_overdue_actions",
        "rewards.tasks.expire_vouchers",
        "volunteering.tasks.expire_unconfirmed_tasks",
        "dashboard.tasks.refresh_rollups",
        "voice.tasks.expire_help_requests",
        "voice.tasks.delete_old_audio",
    }
    assert scheduled - set(app.tasks) == set()
