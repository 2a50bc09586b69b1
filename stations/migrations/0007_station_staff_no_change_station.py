from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF: a migration must not change when the code does.
STATION_STAFF = "驿站管理员 station staff"


def forwards(apps, schema_editor):
    """District staff and superusers manage stations (lead, staff); station staff no longer may."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STATION_STAFF).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="stations", codename="change_station")
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STATION_STAFF).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="stations", codename="change_station")
        )


class Migration(migrations.Migration):
    dependencies = [("stations", "0006_station_scope_session_cancel")]

    operations = [migrations.RunPython(forwards, backwards)]
