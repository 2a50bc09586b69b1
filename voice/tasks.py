from celery import shared_task


@shared_task
def expire_help_requests() -> int:
    """Hourly: open help requests whose time window is over are closed and their details erased."""
    from voice.actions import requests_expire

    return requests_expire()


@shared_task
def delete_old_audio() -> int:
    """Daily: 随口说 recordings older than VOICE_AUDIO_RETENTION_DAYS are deleted (the text and summary stay)."""
    from voice.actions import opinions_delete_old_audio

    return opinions_delete_old_audio()
