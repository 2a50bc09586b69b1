from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF: a migration must not change when the code does.
STATION_STAFF = "驿站管理员 station staff"

# Station staff run deliberation in admin: topics, sessions, minutes, resolutions, follow-up actions.
PERMISSIONS = [
    ("stations", "view_topic"),
    ("stations", "change_topic"),
    ("stations", "view_topicupdate"),
    ("stations", "view_support"),
    ("stations", "view_session"),
    ("stations", "add_session"),
    ("stations", "change_session"),
    ("stations", "view_followupaction"),
    ("stations", "add_followupaction"),
    ("stations", "change_followupaction"),
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STATION_STAFF)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STATION_STAFF).first()
    if group is not None:
        for app_label, codename in PERMISSIONS:
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0003_topics_sessions"),
        ("stations", "0002_station_staff_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
