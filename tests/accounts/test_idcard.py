import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts import idcard
from core.privacy import masked_id_number
from tests.factories import valid_id_number

VALID_NUMBERS = [
    "11010519491231002X",  # the standard's own example
    valid_id_number("440524", "19800101", "001"),
    valid_id_number("330106", "19950312", "123"),
    valid_id_number("330104", "20080229", "246"),  # a leap day
]
TODAY = dt.date(2026, 11, 29)


def rejects(number: str) -> str:
    with pytest.raises(ValidationError) as error:
        idcard.normalize_id_number(number, today=TODAY)
    return error.value.code


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_valid_numbers_are_accepted(number):
    assert idcard.normalize_id_number(number, today=TODAY) == number


def test_lower_case_x_and_spaces_are_normalised():
    assert idcard.normalize_id_number(" 110105 19491231 002x ", today=TODAY) == "11010519491231002X"


def test_full_width_digits_are_the_same_number():
    # Else the same person's number typed full-width would hash differently: a second account.
    assert (
        idcard.normalize_id_number("１１０１０５１９４９１２３１００２ｘ", today=TODAY)
        == "11010519491231002X"
    )


def test_digits_of_other_scripts_are_not_digits_here():
    assert rejects("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X") == "id_format"


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_every_single_character_change_is_rejected(number):
    alphabet = "0123456789X"
    changed = 0
    for position in range(18):
        for replacement in alphabet:
            if replacement == number[position]:
                continue
            candidate = number[:position] + replacement + number[position + 1 :]
            assert rejects(candidate) in {"id_format", "id_birth_date", "id_check_digit"}, candidate
            changed += 1
    assert changed == 18 * 10


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_every_adjacent_swap_is_rejected(number):
    swaps = 0
    for position in range(17):
        a, b = number[position], number[position + 1]
        if a == b:
            continue  # swapping equal characters gives the same number
        candidate = number[:position] + b + a + number[position + 2 :]
        assert rejects(candidate) in {"id_format", "id_birth_date", "id_check_digit"}, candidate
        swaps += 1
    assert swaps >= 10


@pytest.mark.parametrize(
    "born",
    ["19950230", "19951301", "19950001", "19950100", "18991231", "20261130", "20270101", "21000101"],
)
def test_impossible_birth_dates_are_rejected(born):
    # Even with a correct check digit, the date must exist, not be before 1900 and not in the future.
    assert rejects(valid_id_number("330106", born, "123")) == "id_birth_date"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "33010619950312123",
        "3301061995031212345",
        "33010619950312123Y",
        "03010619950312123X",
        "3301O6199503121234",
    ],
)
def test_malformed_numbers_are_rejected(raw):
    assert rejects(raw) == "id_format"


def test_messages_are_plain_chinese():
    with pytest.raises(ValidationError) as error:
        idcard.normalize_id_number("110105194912310021", today=TODAY)
    assert error.value.messages == ["身份证号码校验位不正确，请核对最后一位（可能是数字或X）。"]


def test_derived_facts():
    number = "11010519491231002X"
    assert idcard.birth_date_of(number) == dt.date(1949, 12, 31)
    assert idcard.sex_of(number) == "female"  # 17th character 2 is even
    assert idcard.sex_of(valid_id_number("440524", "19800101", "001")) == "male"
    assert idcard.age_on(dt.date(2000, 11, 29), TODAY) == 26
    assert idcard.age_on(dt.date(2000, 11, 30), TODAY) == 25
    assert masked_id_number(number) == "110105********002X"
