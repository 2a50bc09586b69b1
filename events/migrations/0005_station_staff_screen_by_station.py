from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF.
STATION_STAFF = "驿站管理员 station staff"


def forwards(apps, schema_editor):
    """Station staff open the venue screen of their own stations (Station.is_run_by), not of every
    station: a code shown elsewhere would let a friend check in without being there."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STATION_STAFF).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="events", codename="show_checkin_code")
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STATION_STAFF).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="events", codename="show_checkin_code")
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0004_station_staff_permissions")]

    operations = [migrations.RunPython(forwards, backwards)]
