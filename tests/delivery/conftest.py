import pytest

from tests.delivery.factories import build_site


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def site(db):
    return build_site()
