from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.SERVICE_STAFF: a migration must not change when the code does.
SERVICE_STAFF = "服务专员 service staff"

DIRECTORY = ["scenario", "organization", "service", "serviceatpoint", "servicepoint", "schedule", "scheduleexception"]
PERMISSIONS = [
    *[(f"{verb}_{model}") for model in DIRECTORY for verb in ("view", "add", "change", "delete")],
    # Requests: staff read and handle them (through actions); nobody adds or deletes them in admin.
    "view_servicerequest",
    "change_servicerequest",
    "view_servicerequestnote",
    "add_servicerequestnote",
    "view_servicerequestphoto",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SERVICE_STAFF)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="services", codename__in=PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=SERVICE_STAFF).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="services"))


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
