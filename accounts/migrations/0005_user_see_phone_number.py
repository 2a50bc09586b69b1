from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.SEE_FULL_PHONE: a migration must not change when the code does.
# District staff call applicants and people who asked for help; station staff (and support, who
# read the message admin only) see 138****0001.
SEE_FULL_PHONE = ("审核员 checker", "审批人 approver", "服务专员 service staff", "网格管理员 grid admin")


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="accounts", codename="see_phone_number")
    for name in SEE_FULL_PHONE:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=SEE_FULL_PHONE):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="accounts", codename="see_phone_number")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_workerprofile_see_full_id_number"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "permissions": [("see_phone_number", "Can see full mobile numbers")],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
