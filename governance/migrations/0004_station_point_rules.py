from django.db import migrations

# Frozen copy of the defaults in governance.actions: staff change them in admin.
RULES = [
    ("topic_accepted", 5, "议题被采纳上会 / deliberation topic accepted for a session"),
    ("event_attended", 10, "活动签到核验 / verified attendance at an event"),
    ("contest_rank_1", 50, "技能竞赛第一名 / skill contest: first place"),
    ("contest_rank_2", 30, "技能竞赛第二名 / skill contest: second place"),
    ("contest_rank_3", 20, "技能竞赛第三名 / skill contest: third place"),
    ("volunteer_task_done", 20, "志愿服务任务确认完成 / volunteer task confirmed"),
]


def forwards(apps, schema_editor):
    PointRule = apps.get_model("governance", "PointRule")
    for event, amount, description in RULES:
        PointRule.objects.get_or_create(event=event, defaults={"amount": amount, "description": description})


def backwards(apps, schema_editor):
    apps.get_model("governance", "PointRule").objects.filter(event__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_verbose_names")]

    operations = [migrations.RunPython(forwards, backwards)]
