import pytest
from django.core.exceptions import ValidationError

from core.phone import format_local, normalize_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13800000001",
        "138 0000 0001",
        "138-0000-0001",
        "+86 138 0000 0001",
        "8613800000001",
        "008613800000001",
        "１３８００００００01",  # full-width digits, as Chinese input methods type them
        "＋８６ １３８－００００－０００１",
    ],
)
def test_ways_people_type_a_mobile_number(raw):
    assert normalize_mobile(raw) == "+8613800000001"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1380000000",
        "138000000012",
        "12800000001",
        "23800000001",
        "+1 415 555 0100",
        "abc",
        "١٣٨٠٠٠٠٠٠٠١",  # Arabic-Indic digits: \d would take them, the database would not
    ],
)
def test_not_a_mainland_mobile_number(raw):
    with pytest.raises(ValidationError) as error:
        normalize_mobile(raw)
    assert error.value.messages == ["请输入11位中国大陆手机号码，例如 138 0000 0001。"]


def test_shown_as_typed_locally():
    assert format_local("+8613800000001") == "138 0000 0001"
