"""Demo scheme, budget and subsidy applications in several states (called by `manage.py seed_demo`)."""

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from academy.models import Enrolment, Intake
from accounts.models import Occupation, User
from core.uploads import CleanFile
from subsidies import actions
from subsidies.models import Budget, OccupationCap, Scheme, SubsidyApplication


def demo_proof() -> CleanFile:
    image = Image.new("RGB", (640, 900), "white")
    ImageDraw.Draw(image).text((40, 40), "Employment certificate (demo)", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return CleanFile(content=ContentFile(buffer.getvalue(), name="proof.jpg"), content_type="image/jpeg")


def seed(*, stdout) -> None:
    scheme, created = Scheme.objects.get_or_create(
        name="2027年新就业群体学历提升资助",
        defaults={"year": 2027, "default_cap": Decimal("10000.00"), "min_months_in_trade": 6},
    )
    if created:
        scheme.intakes.set(Intake.objects.all())
        OccupationCap.objects.bulk_create(
            [
                OccupationCap(
                    scheme=scheme, occupation=Occupation.COURIER, cap=Decimal("10000.00"), priority=1
                ),
                OccupationCap(
                    scheme=scheme, occupation=Occupation.FOOD_DELIVERY, cap=Decimal("10000.00"), priority=1
                ),
                OccupationCap(
                    scheme=scheme, occupation=Occupation.RIDE_HAILING, cap=Decimal("6000.00"), priority=2
                ),
            ]
        )
        Budget.objects.create(scheme=scheme, total=Decimal("500000.00"))
    if SubsidyApplication.objects.exists():
        stdout.write("  subsidies: already seeded")
        return
    checker = User.objects.get(phone="+8613900000001")
    approver = User.objects.get(phone="+8613900000002")

    def apply(phone: str) -> SubsidyApplication:
        worker = User.objects.get(phone="+86" + phone)
        enrolment = Enrolment.objects.filter(worker=worker, status__in=["admitted", "enrolled"]).first()
        assert enrolment is not None, "academy's demo admits or enrols both workers first"
        application = actions.application_start(worker=worker, enrolment_id=enrolment.pk)
        actions.application_attach_documents(
            worker=worker, application_id=application.pk, documents={"employment_proof": demo_proof()}
        )
        actions.application_submit(worker=worker, application_id=application.pk)
        return application

    apply("13800000002")  # 李娜, admitted: submitted, waits for the checker
    approved = apply("13800000005")  # 孙浩, enrolled: checked, approved, first year's credits in
    actions.application_check(application_id=approved.pk, acting_user=checker)
    actions.application_approve(application_id=approved.pk, acting_user=approver)
    stdout.write("  subsidies: 1 scheme with a ¥500,000.00 budget, 2 applications")
