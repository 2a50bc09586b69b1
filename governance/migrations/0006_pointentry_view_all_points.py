from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.GRID_ADMIN: a migration must not change when the code does.
# Grid admins read the whole ledger; station staff (who also view it) only their stations' lines.
GRID_ADMIN = "网格管理员 grid admin"


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GRID_ADMIN)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="governance", codename="view_all_points")
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GRID_ADMIN).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="governance", codename="view_all_points")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0005_point_rules_not_negative"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="pointentry",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("view_all_points", "Can read the whole points ledger")],
                "verbose_name": "points entry",
                "verbose_name_plural": "points ledger",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
