from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copies of accounts.roles.
CHECKER = "审核员 checker"
APPROVER = "审批人 approver"

READ = [
    "view_scheme",
    "view_occupationcap",
    "view_budget",
    "view_subsidyapplication",
    "view_applicationevent",
    "view_instalment",
]
PERMISSIONS = {
    # Checkers do the first review; approvers decide, and (as the district's paying office) mark payments.
    CHECKER: [*READ, "check_subsidyapplication"],
    APPROVER: [*READ, "approve_subsidyapplication", "pay_instalment"],
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="subsidies", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="subsidies", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial"), ("accounts", "0002_staff_groups")]

    operations = [migrations.RunPython(grant, revoke)]
