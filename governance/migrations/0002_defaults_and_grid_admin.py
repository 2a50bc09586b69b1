from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of accounts.roles.GRID_ADMIN: a migration must not change when the code does.
GRID_ADMIN = "网格管理员 grid admin"

GRID_ADMIN_PERMISSIONS = [
    "view_report",
    "change_report",
    "view_reportupdate",
    "view_reportphoto",
    "view_grid",
    "add_grid",
    "change_grid",
    "view_gridmember",
    "add_gridmember",
    "change_gridmember",
    "view_category",
    "change_category",
    "view_pointrule",
    "change_pointrule",
    "view_pointentry",
    "view_apikey",
    "add_apikey",
    "change_apikey",
]

# Reference data staff can change in admin: the categories (Open311 services) and point values.
CATEGORIES = [
    ("road", "道路交通隐患", "Road and traffic hazards", "井盖缺失、路面塌陷、信号灯故障、违停堵塞", "Missing manhole covers, potholes, broken traffic lights", "🚧", "区城管局（市政设施）", 24, True),
    ("facility", "公共设施损坏", "Broken public facilities", "路灯、楼道灯、护栏、座椅、充电设施损坏", "Street and stairway lights, railings, benches, chargers", "💡", "街道城建办", 72, True),
    ("sanitation", "环境卫生", "Sanitation", "垃圾堆放、污水外溢、公厕问题", "Dumped rubbish, overflowing sewage, public toilets", "🧹", "区环卫中心", 48, True),
    ("safety", "安全隐患", "Safety hazards", "消防通道堵塞、电动车违规充电、危险建筑", "Blocked fire lanes, unsafe e-bike charging, unsafe buildings", "⚠️", "街道应急管理办", 12, True),
    ("people", "老人与困难群众", "People in need (elderly, vulnerable)", "独居老人需要帮助、走失人员、生活困难", "An elderly person who needs help, a lost person, hardship", "🤝", "社区居委会", 24, False),
    ("concerns", "社情民意", "Residents' concerns", "居民反映的意见和诉求", "Opinions and concerns of residents", "💬", "街道综合信息指挥室", 120, False),
    ("other", "其他", "Other", "以上都不是", "None of the above", "📌", "街道综合信息指挥室", 72, False),
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GRID_ADMIN)
    for codename in GRID_ADMIN_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label="governance", codename=codename))

    Category = apps.get_model("governance", "Category")
    for position, (code, zh, en, desc_zh, desc_en, icon, department, hours, public) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "description_zh": desc_zh,
                "description_en": desc_en,
                "icon": icon,
                "department": department,
                "response_hours": hours,
                "is_public": public,
                "position": position,
            },
        )
    PointRule = apps.get_model("governance", "PointRule")
    PointRule.objects.get_or_create(
        event="report_accepted", defaults={"amount": 10, "description": "随手报被受理 / street report accepted"}
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GRID_ADMIN).first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="governance", codename__in=GRID_ADMIN_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("accounts", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
