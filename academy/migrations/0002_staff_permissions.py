from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copies of accounts.roles.
CHECKER = "审核员 checker"
APPROVER = "审批人 approver"

READ = [
    "view_university",
    "view_programme",
    "view_intake",
    "view_offering",
    "view_enrolment",
    "view_enrolmentevent",
]
PERMISSIONS = {
    # Checkers review applications and decide admissions.
    CHECKER: [*READ, "decide_enrolment"],
    # Approvers decide subsidies; they read the applications those rest on.
    APPROVER: READ,
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="academy", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="academy", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("academy", "0001_initial"), ("accounts", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, revoke)]
