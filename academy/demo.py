"""Demo university, programmes, intakes and a few applications (called by `manage.py seed_demo`)."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from academy import actions
from academy.models import ApiClient, Enrolment, Intake, Level, Offering, Programme, University
from accounts.actions import profile_save
from accounts.demo import demo_id_number, demo_user
from accounts.models import Education, Occupation, Street, User
from core.uploads import CleanFile

STUDY_MODE = (
    "线上学习为主：工作日晚上 19:30–21:00 和周末上午直播上课，错过可随时看回放；"
    "每学期 1–2 次线下面授与考试安排在周末，地点在西溪街道小哥驿站。手机即可听课、交作业。"
)

MAJORS = {
    "行政管理": "学习公共管理与组织协调，适合想转向社区、物业、站点管理岗位的小哥。",
    "会计": "学习会计基础、税务与财务软件，毕业后可从事站点财务、个体经营记账等工作。",
    "电子商务": "学习网店运营、直播带货与供应链，结合配送一线经验，发展电商事业。",
    "网络与新媒体": "学习短视频制作、新媒体运营与内容策划，把跑单路上的故事讲给更多人听。",
}
TUITION = {
    (Level.ASSOCIATE, "行政管理"): Decimal("6800.00"),
    (Level.ASSOCIATE, "会计"): Decimal("7200.00"),
    (Level.ASSOCIATE, "电子商务"): Decimal("7200.00"),
    (Level.ASSOCIATE, "网络与新媒体"): Decimal("7600.00"),
    (Level.BACHELOR, "行政管理"): Decimal("8600.00"),
    (Level.BACHELOR, "会计"): Decimal("11200.00"),  # above the ¥10,000 cap: the subsidy pays the cap
    (Level.BACHELOR, "电子商务"): Decimal("9400.00"),
    (Level.BACHELOR, "网络与新媒体"): Decimal("9800.00"),
}

# More demo workers, so that the staff queue shows applications in every state.
EXTRA_WORKERS = [
    (
        "13800000004",
        "赵敏",
        Occupation.FOOD_DELIVERY,
        "饿了么",
        Street.GUDANG,
        30,
        Education.SENIOR_HIGH,
        "19960418",
        "162",
    ),
    (
        "13800000005",
        "孙浩",
        Occupation.COURIER,
        "中通快递",
        Street.SANDUN,
        20,
        Education.ASSOCIATE,
        "19930902",
        "215",
    ),
    (
        "13800000006",
        "周婷",
        Occupation.FOOD_DELIVERY,
        "美团",
        Street.WENXIN,
        44,
        Education.ASSOCIATE,
        "19970127",
        "348",
    ),
]


def demo_certificate() -> CleanFile:
    image = Image.new("RGB", (800, 560), "#f5efe0")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline="#8a5300", width=6)
    draw.text((300, 260), "DIPLOMA (demo)", fill="#1b1f24")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return CleanFile(
        content=ContentFile(buffer.getvalue(), name="certificate.jpg"), content_type="image/jpeg"
    )


def seed(*, stdout) -> None:
    university, _ = University.objects.get_or_create(
        code="zjou",
        defaults={"name": "浙江开放大学", "short_name": "浙江开大", "website": "https://www.zjtvu.edu.cn/"},
    )
    programmes = {}
    for (level, major), tuition in TUITION.items():
        programmes[(level, major)], _ = Programme.objects.get_or_create(
            university=university,
            level=level,
            major=major,
            defaults={
                "tuition": tuition,
                "duration_years": Decimal("2.5"),
                "credits_required": 76 if level == Level.ASSOCIATE else 72,
                "description": MAJORS[major],
                "study_mode": STUDY_MODE,
            },
        )
    now = timezone.now()
    spring, _ = Intake.objects.get_or_create(
        name="2027年春季",
        defaults={
            "applications_open_at": now - dt.timedelta(days=30),
            "applications_close_at": now + dt.timedelta(days=75),
            "starts_on": dt.date(2027, 3, 1),
        },
    )
    autumn, _ = Intake.objects.get_or_create(
        name="2026年秋季",
        defaults={
            "applications_open_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
            "applications_close_at": dt.datetime(2026, 8, 15, tzinfo=dt.UTC),
            "starts_on": dt.date(2026, 9, 1),
        },
    )
    for programme in programmes.values():
        Offering.objects.get_or_create(programme=programme, intake=spring, defaults={"seat_limit": 40})
        Offering.objects.get_or_create(programme=programme, intake=autumn, defaults={"seat_limit": 40})

    if Enrolment.objects.filter(offering__programme__university=university).exists():
        stdout.write("  academy: already seeded")
        seed_partner_api(university=university, stdout=stdout)
        return
    for phone, name, occupation, platform, street, months, education, born, sequence in EXTRA_WORKERS:
        user = demo_user(phone, name)
        if not hasattr(user, "profile"):
            profile_save(
                user=user,
                real_name=name,
                occupation=occupation,
                platform=platform,
                street=street,
                months_in_trade=months,
                education=education,
                id_number=demo_id_number("330106", born, sequence),
                sensitive_data_consent=True,
            )
    checker = User.objects.get(phone="+8613900000001")
    offering = {
        key: Offering.objects.get(programme=programme, intake=spring) for key, programme in programmes.items()
    }

    def application(phone: str, key, *, submit: bool = True) -> Enrolment:
        worker = User.objects.get(phone="+86" + phone)
        enrolment = actions.enrolment_start(worker=worker, offering_id=offering[key].pk)
        actions.enrolment_attach_certificate(
            worker=worker, enrolment_id=enrolment.pk, certificate=demo_certificate()
        )
        if submit:
            actions.enrolment_submit(worker=worker, enrolment_id=enrolment.pk)
        return enrolment

    application("13800000001", (Level.ASSOCIATE, "电子商务"))  # submitted: waits for the checker
    admitted = application("13800000002", (Level.BACHELOR, "会计"))
    actions.enrolment_admit(enrolment_id=admitted.pk, acting_user=checker)
    application(
        "13800000003", (Level.ASSOCIATE, "行政管理"), submit=False
    )  # a draft, stopped after the upload
    waitlisted = application("13800000004", (Level.ASSOCIATE, "网络与新媒体"))
    actions.enrolment_waitlist(enrolment_id=waitlisted.pk, acting_user=checker)
    rejected = application("13800000006", (Level.BACHELOR, "电子商务"))
    actions.enrolment_reject(
        enrolment_id=rejected.pk,
        acting_user=checker,
        reason="本科专业需要专科及以上学历证明，上传的是高中毕业证。",
    )
    enrolled = application("13800000005", (Level.BACHELOR, "行政管理"))
    actions.enrolment_admit(enrolment_id=enrolled.pk, acting_user=checker)
    actions.enrolment_confirm(enrolment_id=enrolled.pk, student_number="ZJOU2027S0001")
    stdout.write("  academy: 1 university, 8 programmes, 2 intakes, 6 applications")
    seed_partner_api(university=university, stdout=stdout)


# The second partner university and its students: the partner API shows each university only its own.
UNIVERSITY_B = {"code": "demo-b", "name": "演示大学B", "short_name": "演示大学B"}
MAJORS_B = {"物流管理": Decimal("6600.00"), "市场营销": Decimal("6900.00")}
WORKERS_B = [
    ("13800000007", "吴磊", Occupation.COURIER, "京东物流", Street.LINGYIN, 28, "19940611", "415"),
    ("13800000008", "郑洁", Occupation.FOOD_DELIVERY, "美团", Street.BEISHAN, 19, "19990223", "528"),
    ("13800000009", "冯刚", Occupation.COURIER, "圆通速递", Street.XIXI, 60, "19880930", "637"),
]
# client id, secret, university code, may read full ID numbers, may write back (demo mode only).
DEMO_API_CLIENTS = [
    ("demo-uni-a", "demo-uni-a-secret", "zjou"),
    ("demo-uni-b", "demo-uni-b-secret", UNIVERSITY_B["code"]),
]


def seed_partner_api(*, university: University, stdout) -> None:
    from oauth2_provider.models import Application

    other, _ = University.objects.get_or_create(code=UNIVERSITY_B["code"], defaults=UNIVERSITY_B)
    spring = Intake.objects.get(name="2027年春季")
    offerings = []
    for major, tuition in MAJORS_B.items():
        programme, _ = Programme.objects.get_or_create(
            university=other,
            level=Level.ASSOCIATE,
            major=major,
            defaults={
                "tuition": tuition,
                "description": f"{major}专科，面向一线小哥。",
                "study_mode": STUDY_MODE,
                "credits_required": 76,
            },
        )
        offerings.append(
            Offering.objects.get_or_create(programme=programme, intake=spring, defaults={"seat_limit": 30})[0]
        )
    for client_id, secret, code in DEMO_API_CLIENTS:
        if Application.objects.filter(client_id=client_id).exists():
            continue
        application = Application.objects.create(
            name=client_id,
            client_id=client_id,
            client_secret=secret,  # hashed on save
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        ApiClient.objects.create(
            application=application,
            university=University.objects.get(code=code),
            can_read_sensitive=True,
            can_write=True,
        )
    if Enrolment.objects.filter(offering__programme__university=other).exists():
        return
    checker = User.objects.get(phone="+8613900000001")
    for index, (phone, name, occupation, platform, street, months, born, sequence) in enumerate(WORKERS_B):
        worker = demo_user(phone, name)
        if not hasattr(worker, "profile"):
            profile_save(
                user=worker,
                real_name=name,
                occupation=occupation,
                platform=platform,
                street=street,
                months_in_trade=months,
                education=Education.SENIOR_HIGH,
                id_number=demo_id_number("330106", born, sequence),
                sensitive_data_consent=True,
            )
        enrolment = actions.enrolment_start(worker=worker, offering_id=offerings[index % 2].pk)
        actions.enrolment_attach_certificate(
            worker=worker, enrolment_id=enrolment.pk, certificate=demo_certificate()
        )
        actions.enrolment_submit(
            worker=worker, enrolment_id=enrolment.pk, share_id_with_university=index == 0
        )
        actions.enrolment_admit(enrolment_id=enrolment.pk, acting_user=checker)
        if index < 2:
            actions.enrolment_confirm(enrolment_id=enrolment.pk, student_number=f"DEMOB2027{index + 1:03d}")
    stdout.write("  academy: demo university B with 3 students; API clients demo-uni-a, demo-uni-b")
