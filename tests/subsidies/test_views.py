"""Worker pages of the subsidy: apply in steps, see the plan, appeal; permissions and bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies.models import SubsidyApplication
from tests.academy.factories import worker
from tests.core.test_uploads import MINIMAL_PDF, PDF_JAVASCRIPT, catalog_with
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment, scheme_with_budget

pytestmark = pytest.mark.django_db


def test_apply_in_steps(client):
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(tuition="7200.00", scheme=scheme)
    client.force_login(enrolment.worker)
    page = client.get(reverse("subsidies:mine")).content.decode()
    assert f'href="{reverse("subsidies:apply", args=[enrolment.pk])}"' in page
    page = client.get(reverse("subsidies:apply", args=[enrolment.pk])).content.decode()
    assert "第 1 步，共 3 步" in page and "¥7,200.00" in page

    response = client.post(reverse("subsidies:apply", args=[enrolment.pk]))
    application = SubsidyApplication.objects.get(enrolment=enrolment)
    assert response["Location"] == reverse("subsidies:documents", args=[application.pk])

    response = client.post(reverse("subsidies:documents", args=[application.pk]), {})
    assert response.status_code == 200
    assert response.context["form"].errors == {"employment_proof": ["请选择这份材料的照片或 PDF 文件。"]}

    response = client.post(
        reverse("subsidies:documents", args=[application.pk]),
        {"employment_proof": SimpleUploadedFile("proof.pdf", MINIMAL_PDF)},
    )
    assert response["Location"] == reverse("subsidies:review", args=[application.pk])

    response = client.post(reverse("subsidies:review", args=[application.pk]), {})
    assert response.context["form"].errors == {"confirm": ["请勾选确认你的信息真实无误。"]}
    response = client.post(reverse("subsidies:review", args=[application.pk]), {"confirm": "on"})
    assert response["Location"] == reverse("subsidies:application", args=[application.pk])
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_bad_document_is_explained_and_nothing_is_saved(client):
    application = SubsidyApplicationFactory(status="draft", employment_proof=None)
    client.force_login(application.applicant)
    response = client.post(
        reverse("subsidies:documents", args=[application.pk]),
        {"employment_proof": SimpleUploadedFile("proof.jpg", b"not a file we accept")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "employment_proof": ["请上传照片（JPEG、PNG 或 WebP）或 PDF 文件。"]
    }
    application.refresh_from_db()
    assert not application.employment_proof


def test_an_ineligible_worker_sees_why(client):
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(scheme=scheme, worker=worker(months_in_trade=2))
    client.force_login(enrolment.worker)
    response = client.post(reverse("subsidies:apply", args=[enrolment.pk]))
    assert response.status_code == 200
    assert "需要至少从业6个月；你的个人资料显示为2个月。" in response.content.decode()
    assert not SubsidyApplication.objects.exists()


@pytest.mark.parametrize(
    "name, method",
    [
        ("subsidies:application", "get"),
        ("subsidies:documents", "get"),
        ("subsidies:review", "get"),
        ("subsidies:withdraw", "post"),
        ("subsidies:appeal", "post"),
    ],
)
def test_another_workers_application_is_404_and_unchanged(client, name, method):
    application = SubsidyApplicationFactory(status="draft")
    client.force_login(worker())
    response = getattr(client, method)(
        reverse(name, args=[application.pk]), {"reason": "x"} if method == "post" else None
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "draft"


def test_another_workers_enrolment_cannot_be_used_to_apply(client):
    enrolment = admitted_enrolment(scheme=scheme_with_budget())
    client.force_login(worker())
    assert client.post(reverse("subsidies:apply", args=[enrolment.pk])).status_code == 404
    assert not SubsidyApplication.objects.exists()


def test_documents_are_private(client):
    application = SubsidyApplicationFactory()
    url = reverse("subsidies:document_file", args=[application.pk, "employment_proof"])
    client.force_login(application.applicant)
    assert client.get(url).status_code == 200
    client.force_login(worker())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_appeal_form_needs_a_reason(client):
    application = SubsidyApplicationFactory(status="rejected", reason="不符合")
    client.force_login(application.applicant)
    response = client.post(reverse("subsidies:appeal", args=[application.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["appeal_form"].errors == {"reason": ["请填写原因，申请人会看到。"]}
    application.refresh_from_db()
    assert application.status == "rejected"


def test_my_subsidy_query_count_is_flat(client, django_assert_num_queries):
    person = worker()
    scheme = scheme_with_budget()
    for _ in range(8):
        SubsidyApplicationFactory(enrolment=admitted_enrolment(worker=person, scheme=scheme), scheme=scheme)
    client.force_login(person)
    # session, user, applications with programme/intake/scheme, their instalments,
    # enrolments still without an application, unread count
    with django_assert_num_queries(6):
        client.get(reverse("subsidies:mine"))


def test_a_pdf_with_an_escaped_script_is_refused_and_nothing_is_saved(client):
    application = SubsidyApplicationFactory(status="draft", employment_proof=None)
    client.force_login(application.applicant)
    crafted = catalog_with(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>")
    response = client.post(
        reverse("subsidies:documents", args=[application.pk]),
        {"employment_proof": SimpleUploadedFile("proof.pdf", crafted)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"employment_proof": [PDF_JAVASCRIPT]}
    application.refresh_from_db()
    assert not application.employment_proof
