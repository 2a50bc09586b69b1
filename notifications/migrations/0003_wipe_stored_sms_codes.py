"""Wipe the SMS codes stored in clear before codes became secrets (issue 13, finding 1).

- Outbox rows of kind sms_code kept the code in their body, sent or not: every run of four
  or more digits is replaced by ****** and a row not yet sent is given up (its code would
  be useless now, and is no longer known).
- django-allauth kept the code of a pending login or sign-up in the session; those pending
  stages are dropped (the person asks for a new code; nobody is logged out).
"""

from django.db import migrations
from django.db.models import F, Func, Value

SESSION_KEYS_WITH_CODES = ("account_login", "account_phone_verification")


def wipe_codes(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    codes = Message.objects.filter(kind="sms_code")
    codes.update(body=Func(F("body"), Value(r"[0-9]{4,}"), Value("******"), Value("g"), function="regexp_replace"))
    codes.exclude(status="sent").update(status="failed", last_error="code wiped (issue 13)")

    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator(chunk_size=500):
        data = store.decode(session.session_data)
        if not any(key in data for key in SESSION_KEYS_WITH_CODES):
            continue
        for key in SESSION_KEYS_WITH_CODES:
            data.pop(key, None)
        session.session_data = store.encode(data)
        session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_message_secret_body"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(wipe_codes, migrations.RunPython.noop)]
