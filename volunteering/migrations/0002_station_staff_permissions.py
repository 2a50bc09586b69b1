from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF: a migration must not change when the code does.
STATION_STAFF = "驿站管理员 station staff"

# Station staff run the volunteer teams in admin: teams, tasks (confirm, cancel, export), and they
# may see the elderly person's details of live tasks, as the volunteers' coordinators.
PERMISSIONS = [
    ("volunteering", "view_team"),
    ("volunteering", "add_team"),
    ("volunteering", "change_team"),
    ("volunteering", "view_membership"),
    ("volunteering", "view_task"),
    ("volunteering", "add_task"),
    ("volunteering", "change_task"),
    ("volunteering", "see_recipient"),
    ("volunteering", "view_signup"),
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
        ("volunteering", "0001_initial"),
        ("stations", "0002_station_staff_group"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
