import pytest
from django.urls import reverse

from accounts.models import Consent, WorkerProfile
from core.models import AuditEntry
from tests.factories import WorkerProfileFactory

pytestmark = pytest.mark.django_db


def test_withdrawing_the_sensitive_data_consent_erases_the_id_number(client):
    profile = WorkerProfileFactory()
    consent = Consent.objects.get(user=profile.user)
    client.force_login(profile.user)
    page = client.get(reverse("privacy")).content.decode()
    assert profile.id_number_masked in page
    response = client.post(reverse("privacy_withdraw", args=[consent.pk]))
    assert response["Location"] == reverse("privacy")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    profile = WorkerProfile.objects.get(pk=profile.pk)
    assert (
        profile.id_number_encrypted,
        profile.id_number_hash,
        profile.id_number_masked,
        profile.birth_date,
    ) == (
        "",
        None,
        "",
        None,
    )
    assert not profile.is_complete
    assert AuditEntry.objects.get(action="consent.withdraw").data == {
        "purpose": "sensitive_data",
        "id_number_erased": True,
    }


def test_someone_elses_consent_cannot_be_withdrawn(client):
    other = WorkerProfileFactory()
    consent = Consent.objects.get(user=other.user)
    client.force_login(WorkerProfileFactory().user)
    response = client.post(reverse("privacy_withdraw", args=[consent.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["这项同意已经撤回了。"]
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert WorkerProfile.objects.get(pk=other.pk).id_number_hash is not None


def test_privacy_page_needs_login_and_withdraw_needs_post(client):
    assert client.get(reverse("privacy")).status_code == 302
    profile = WorkerProfileFactory()
    client.force_login(profile.user)
    consent = Consent.objects.get(user=profile.user)
    assert client.get(reverse("privacy_withdraw", args=[consent.pk])).status_code == 405
