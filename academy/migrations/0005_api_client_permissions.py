from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.CHECKER.
CHECKER = "审核员 checker"
# Checkers see which university clients exist; creating clients (and their secrets) is for superusers.
CODENAMES = ["view_apiclient"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CHECKER)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="academy", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=CHECKER).first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="academy", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("academy", "0004_api_client"), ("academy", "0002_staff_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
