"""The message admin belongs to the support role only (issue 13, findings 1 and least privilege).

Until now every staff group held notifications.view_message (accounts 0002, stations 0002),
so any staff member could read SMS codes and everybody's subsidy decisions there.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copies of accounts.roles: a migration must not change when the code does.
SUPPORT = "客服 support"
OTHER_STAFF_GROUPS = [
    "审核员 checker",
    "审批人 approver",
    "服务专员 service staff",
    "网格管理员 grid admin",
    "驿站管理员 station staff",
]
SUPPORT_PERMISSIONS = ["view_message", "change_message", "view_message_body"]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    messages = Permission.objects.filter(content_type__app_label="notifications", content_type__model="message")
    support, _ = Group.objects.get_or_create(name=SUPPORT)
    support.permissions.add(*messages.filter(codename__in=SUPPORT_PERMISSIONS))
    for group in Group.objects.filter(name__in=OTHER_STAFF_GROUPS):
        group.permissions.remove(*messages)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_message = Permission.objects.get(content_type__app_label="notifications", codename="view_message")
    for group in Group.objects.filter(name__in=OTHER_STAFF_GROUPS):
        group.permissions.add(view_message)
    Group.objects.filter(name=SUPPORT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_wipe_stored_sms_codes"),
        ("accounts", "0002_staff_groups"),
        # The last migration that granted view_message (to station staff): this one runs after it.
        ("stations", "0002_station_staff_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
