"""Worker pages: the apply steps, drafts, permissions, bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from academy.models import Enrolment
from tests.academy.factories import EnrolmentFactory, OfferingFactory, ProgrammeFactory, worker
from tests.core.test_uploads import MINIMAL_PDF, PDF_JAVASCRIPT, catalog_with, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def courier(client):
    person = worker()
    client.force_login(person)
    return person


def test_programme_list_filters_by_level_and_major(client):
    ProgrammeFactory(major="会计", level="associate")
    ProgrammeFactory(major="会计", level="bachelor")
    ProgrammeFactory(major="电子商务", level="bachelor")
    response = client.get(reverse("academy:programmes"), {"level": "bachelor", "major": "会计"})
    assert [str(p) for p in response.context["page"].object_list] == ["会计（本科）"]


def test_the_pages_of_a_filtered_list_keep_its_filters(client):
    for number in range(25):
        ProgrammeFactory(major=f"物流管理{number:02d}", level="bachelor")
    ProgrammeFactory(major="会计", level="associate")

    first = client.get(reverse("academy:programmes"), {"level": "bachelor"}).content.decode()
    second = client.get(reverse("academy:programmes"), {"level": "bachelor", "page": "2"})

    assert '<a href="?level=bachelor&amp;page=2">下一页</a>' in first
    assert [p.major for p in second.context["page"].object_list] == [
        f"物流管理{n:02d}" for n in range(20, 25)
    ]
    assert '<a href="?level=bachelor&amp;page=1">上一页</a>' in second.content.decode()


def test_programme_list_with_a_bad_filter_shows_a_message_not_an_error(client):
    ProgrammeFactory(major="会计")
    response = client.get(reverse("academy:programmes"), {"level": "doctorate"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"level": ["“doctorate”不在可选项中，请从列表中选择。"]}


def test_programme_list_query_count_is_flat(client, django_assert_num_queries):
    for _ in range(25):
        ProgrammeFactory()
    # The next opening or closing of an intake, majors for the filter, page count, programmes with
    # university and open-intake count; then the catalogue comes from the cache (core.fragments).
    with django_assert_num_queries(4):
        client.get(reverse("academy:programmes"))
    with django_assert_num_queries(0):
        client.get(reverse("academy:programmes"))


def test_programme_detail_shows_the_eligibility_check(client, courier):
    offering = OfferingFactory()
    html = client.get(reverse("academy:programme", args=[offering.programme_id])).content.decode()
    assert "你的资料已填写完整。" in html
    assert f'href="{reverse("academy:apply")}?offering={offering.pk}"' in html


def test_the_apply_steps_save_a_draft_at_each_step(client, courier):
    offering = OfferingFactory()
    response = client.post(reverse("academy:apply"), {"offering": offering.pk})
    enrolment = Enrolment.objects.get(worker=courier)
    assert response["Location"] == reverse("academy:certificate", args=[enrolment.pk])
    page = client.get(response["Location"]).content.decode()
    assert "第 2 步，共 4 步" in page

    upload = SimpleUploadedFile("diploma.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = client.post(reverse("academy:certificate", args=[enrolment.pk]), {"certificate": upload})
    assert response["Location"] == reverse("academy:review", args=[enrolment.pk])
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.draft_step, enrolment.certificate_content_type) == (
        "draft",
        3,
        "application/pdf",
    )

    # Interrupted by an order: "My applications" sends the worker back to the review step.
    page = client.get(reverse("academy:applications")).content.decode()
    assert f'href="{reverse("academy:review", args=[enrolment.pk])}"' in page

    response = client.post(reverse("academy:review", args=[enrolment.pk]), {})
    assert response.status_code == 200
    assert response.context["form"].errors == {"confirm": ["请勾选确认你的信息真实无误。"]}
    response = client.post(reverse("academy:review", args=[enrolment.pk]), {"confirm": "on"})
    assert response["Location"] == reverse("academy:application", args=[enrolment.pk])
    enrolment.refresh_from_db()
    assert enrolment.status == "submitted"


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"not a picture", "diploma.jpg", "请上传照片（JPEG、PNG 或 WebP）或 PDF 文件。"),
        (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "big.jpg", "文件超过10MB，请选择小一些的照片或文件。"),
        (
            image_bytes("JPEG", size=(300, 300))[:400],
            "broken.jpg",
            "照片已损坏，无法打开，请重新拍摄或选择。",
        ),
    ],
)
def test_bad_certificates_get_a_clear_message_never_a_500(client, courier, data, name, message):
    enrolment = EnrolmentFactory(worker=courier, status="draft", draft_step=2, certificate=None)
    response = client.post(
        reverse("academy:certificate", args=[enrolment.pk]), {"certificate": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"certificate": [message]}
    enrolment.refresh_from_db()
    assert (enrolment.draft_step, bool(enrolment.certificate)) == (2, False)


def test_no_file_chosen(client, courier):
    enrolment = EnrolmentFactory(worker=courier, status="draft", draft_step=2, certificate=None)
    response = client.post(reverse("academy:certificate", args=[enrolment.pk]), {})
    assert response.context["form"].errors == {"certificate": ["请选择学历证明的照片或PDF文件。"]}


def test_choosing_nothing_is_explained(client, courier):
    response = client.post(reverse("academy:apply"), {"offering": "999999"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"offering": ["请选择专业和招生批次。"]}
    assert not Enrolment.objects.exists()


def test_an_ineligible_worker_is_told_why(client):
    from tests.factories import UserFactory

    person = UserFactory()
    client.force_login(person)
    response = client.post(reverse("academy:apply"), {"offering": OfferingFactory().pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "你现在还不能申请：你的资料还没有填完：请把“我的资料”里的每一项都填好。 我们需要你的身份证号码来核对年龄（18至45岁）。 "
        "请在资料里填写你的最高学历。"
    ]
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    "name, method",
    [
        ("academy:application", "get"),
        ("academy:certificate", "get"),
        ("academy:review", "get"),
        ("academy:withdraw", "post"),
        ("academy:certificate_file", "get"),
    ],
)
def test_another_workers_application_is_404_and_unchanged(client, courier, name, method):
    other = EnrolmentFactory(status="draft", draft_step=3)
    response = getattr(client, method)(reverse(name, args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "draft"


@pytest.mark.parametrize(
    "url",
    [reverse("academy:apply"), reverse("academy:applications"), reverse("academy:application", args=[1])],
)
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_request_login_code')}?next={url}"


def test_withdraw_and_the_timeline(client, courier):
    enrolment = EnrolmentFactory(worker=courier)
    response = client.post(reverse("academy:withdraw", args=[enrolment.pk]))
    assert response["Location"] == reverse("academy:application", args=[enrolment.pk])
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"
    html = client.get(reverse("academy:application", args=[enrolment.pk])).content.decode()
    assert "已撤回" in html


def test_certificate_is_served_to_its_owner_privately(client, courier):
    enrolment = EnrolmentFactory(worker=courier)
    response = client.get(reverse("academy:certificate_file", args=[enrolment.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_my_applications_query_count_is_flat(client, courier, django_assert_num_queries):
    for _ in range(10):
        EnrolmentFactory(worker=courier, offering=OfferingFactory())
    # 1 session, 2 user, 3 applications with programme/intake, 4 unread count
    with django_assert_num_queries(4):
        client.get(reverse("academy:applications"))


def test_sharing_the_id_number_with_the_university_is_a_separate_optional_consent(client, courier):
    from accounts.models import Consent

    first = EnrolmentFactory(worker=courier, status="draft", draft_step=3)
    client.post(reverse("academy:review", args=[first.pk]), {"confirm": "on"})
    assert not Consent.objects.filter(user=courier, purpose="share_id_university").exists()
    second = EnrolmentFactory(worker=courier, status="draft", draft_step=3, offering=OfferingFactory())
    client.post(
        reverse("academy:review", args=[second.pk]), {"confirm": "on", "share_id_with_university": "on"}
    )
    assert Consent.objects.filter(user=courier, purpose="share_id_university", withdrawn_at=None).count() == 1


def test_a_certificate_pdf_with_an_escaped_script_is_refused_and_nothing_is_saved(client, courier):
    offering = OfferingFactory()
    client.post(reverse("academy:apply"), {"offering": offering.pk})
    enrolment = Enrolment.objects.get(worker=courier)
    crafted = catalog_with(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>")
    upload = SimpleUploadedFile("diploma.pdf", crafted, content_type="application/pdf")
    response = client.post(reverse("academy:certificate", args=[enrolment.pk]), {"certificate": upload})
    assert response.status_code == 200
    assert response.context["form"].errors == {"certificate": [PDF_JAVASCRIPT]}
    enrolment.refresh_from_db()
    assert (enrolment.draft_step, enrolment.certificate.name) == (2, "")
