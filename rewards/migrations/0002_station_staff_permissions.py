from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.STATION_STAFF: a migration must not change when the code does.
STATION_STAFF = "驿站管理员 station staff"

# Station staff see rewards and vouchers and adjust the stock of the stations they run
# (the actions check which station). Hand-overs at any station and the stock of any
# station ("confirm_handover", "adjust_any_stock") stay with district staff.
PERMISSIONS = [
    ("rewards", "view_reward"),
    ("rewards", "view_rewardstock"),
    ("rewards", "change_rewardstock"),
    ("rewards", "view_voucher"),
    ("rewards", "view_leaderboardoptin"),
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
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0001_initial"),
        ("stations", "0002_station_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
