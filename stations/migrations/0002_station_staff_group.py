from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF: a migration must not change when the code does.
STATION_STAFF = "驿站管理员 station staff"

# What every staff group has (accounts 0002), and the stations themselves. The
# events, volunteering and rewards apps grant theirs in their own migrations.
PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "view_workerprofile"),
    ("notifications", "view_message"),
    ("services", "view_servicepoint"),
    ("governance", "view_pointentry"),
    ("governance", "view_pointrule"),
    ("stations", "view_station"),
    ("stations", "change_station"),
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
    apps.get_model("auth", "Group").objects.filter(name=STATION_STAFF).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0001_initial"),
        ("accounts", "0002_staff_groups"),
        ("governance", "0004_station_point_rules"),
        ("services", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
