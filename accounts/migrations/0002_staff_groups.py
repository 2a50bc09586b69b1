from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copies of accounts.roles: a migration must not change when the code does.
CHECKER = "审核员 checker"
APPROVER = "审批人 approver"
SERVICE_STAFF = "服务专员 service staff"
GRID_ADMIN = "网格管理员 grid admin"

# Every staff member may look up workers and read messages; the later apps
# (academy, subsidies, services, governance) add their own permissions.
COMMON = [
    ("accounts", "view_user"),
    ("accounts", "view_workerprofile"),
    ("notifications", "view_message"),
]
PERMISSIONS = {CHECKER: COMMON, APPROVER: COMMON, SERVICE_STAFF: COMMON, GRID_ADMIN: COMMON}


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_staff_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("notifications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_staff_groups, remove_staff_groups)]
