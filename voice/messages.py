"""The messages of 随手帮 and 随口说 (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

register(
    Kind(
        "help_deed_verified",
        _("Your help on the way was verified"),
        _("Thank you! Your help #%(id)s (%(kind)s) was verified and earned %(points)s points."),
        example={"id": 7, "kind": "护送老人回家", "points": 5},
    ),
    Kind(
        "help_deed_rejected",
        _("Your help on the way could not be verified"),
        _("Your help #%(id)s could not be verified: %(reason)s"),
        example={"id": 7, "reason": "照片无法看出帮助内容。"},
    ),
    Kind(
        "help_request_posted",
        _("A help request in your grid"),
        _("Someone in %(grid)s needs help: %(what)s (%(when)s). Take it on the grid page."),
        example={
            "grid": "蒋村街道·龙湖天街网格",
            "what": "帮独居老人搬米上楼",
            "when": "12月5日 14:00–17:00",
        },
    ),
    Kind(
        "help_request_taken",
        _("Your help request was taken"),
        _("%(worker)s took your help request #%(id)s (%(what)s)."),
        example={"worker": "张伟", "id": 3, "what": "帮独居老人搬米上楼"},
    ),
    Kind(
        "help_request_done",
        _("Your help request is done: please confirm"),
        _("%(worker)s marked help request #%(id)s (%(what)s) as done: %(note)s Please confirm it."),
        example={"worker": "张伟", "id": 3, "what": "帮独居老人搬米上楼", "note": "已送到五楼。"},
    ),
    Kind(
        "help_request_confirmed",
        _("Your help was confirmed"),
        _("Thank you! Help request #%(id)s (%(what)s) was confirmed and earned %(points)s points."),
        example={"id": 3, "what": "帮独居老人搬米上楼", "points": 10},
    ),
    Kind(
        "help_request_cancelled",
        _("A help request you took was cancelled"),
        _("Help request #%(id)s (%(what)s) was cancelled: %(reason)s"),
        example={"id": 3, "what": "帮独居老人搬米上楼", "reason": "家属已到场。"},
    ),
    Kind(
        "opinion_routed",
        _("What you passed on was routed"),
        _("Opinion #%(id)s was summarised as “%(summary)s” and passed on to %(department)s."),
        example={"id": 9, "summary": "文一路非机动车道被占", "department": "交警西湖大队"},
    ),
    Kind(
        "opinion_routed_topic",
        _("What you passed on became a deliberation topic"),
        _(
            "Opinion #%(id)s was summarised as “%(summary)s” and raised as a topic for the "
            "deliberation of %(station)s. You will hear of each step of the topic."
        ),
        example={"id": 9, "summary": "东门缺骑手停车位", "station": "蒋村小哥驿站"},
    ),
    Kind(
        "opinion_answered",
        _("What you passed on was answered"),
        _("Opinion #%(id)s was answered: %(answer)s"),
        example={"id": 9, "answer": "已安排巡查。"},
    ),
    Kind(
        "opinion_adopted",
        _("What you passed on was adopted"),
        _("Opinion #%(id)s was adopted and earned %(points)s points: %(answer)s"),
        example={"id": 9, "points": 10, "answer": "已纳入下月整治计划。"},
    ),
)
