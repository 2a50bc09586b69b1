"""Each eligibility rule on its own, in plain words."""

import datetime as dt

import pytest
from django.utils import timezone

from academy import eligibility
from academy.models import Level
from accounts.models import Education
from tests.academy.factories import IntakeFactory, OfferingFactory, ProgrammeFactory
from tests.factories import UserFactory, WorkerProfileFactory, valid_id_number

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def offering(level=Level.ASSOCIATE, **intake):
    intake.setdefault("applications_open_at", AT - dt.timedelta(days=1))
    intake.setdefault("applications_close_at", AT + dt.timedelta(days=1))
    return OfferingFactory(programme=ProgrammeFactory(level=level), intake=IntakeFactory(**intake))


def rule(worker, code, **kwargs):
    result = eligibility.check(worker=worker, offering=kwargs.pop("offering", None) or offering(), at=AT)
    return next((r.met, r.text) for r in result.rules if r.code == code)


def born(date: str):
    return WorkerProfileFactory(id_number=valid_id_number("330106", date, "123")).user


def test_a_complete_profile_is_required():
    assert rule(WorkerProfileFactory().user, "profile") == (True, "你的资料已填写完整。")
    assert rule(UserFactory(), "profile") == (False, "你的资料还没有填完：请把“我的资料”里的每一项都填好。")


@pytest.mark.parametrize(
    "date, met, age",
    [("20081129", True, 18), ("20081130", False, 17), ("19801130", True, 45), ("19801129", False, 46)],
)
def test_age_is_18_to_45_from_the_id_number(date, met, age):
    text = (
        f"你今年{age}岁：本专业招收18至45岁的学员。"
        if met
        else f"你今年{age}岁：本专业只招收18至45岁的学员。"
    )
    assert rule(born(date), "age") == (met, text)


def test_age_needs_an_id_number():
    assert rule(UserFactory(), "age") == (False, "我们需要你的身份证号码来核对年龄（18至45岁）。")


@pytest.mark.parametrize(
    "level, education, met",
    [
        (Level.ASSOCIATE, Education.JUNIOR_HIGH, False),
        (Level.ASSOCIATE, Education.SENIOR_HIGH, True),
        (Level.BACHELOR, Education.SENIOR_HIGH, False),
        (Level.BACHELOR, Education.ASSOCIATE, True),
        (Level.BACHELOR, Education.BACHELOR, True),
    ],
)
def test_prior_education_requirement(level, education, met):
    person = WorkerProfileFactory(education=education).user
    assert rule(person, "education", offering=offering(level=level))[0] is met


def test_prior_education_refusal_says_what_is_needed():
    person = WorkerProfileFactory(education=Education.SENIOR_HIGH).user
    assert rule(person, "education", offering=offering(level=Level.BACHELOR)) == (
        False,
        "本科专业需要专科或更高学历；你的资料里填的是高中／中专（职高）。",
    )


def test_intake_window_must_be_open():
    person = WorkerProfileFactory().user
    closed = offering(
        applications_open_at=AT - dt.timedelta(days=30), applications_close_at=AT - dt.timedelta(days=1)
    )
    future = offering(
        applications_open_at=AT + dt.timedelta(days=1), applications_close_at=AT + dt.timedelta(days=9)
    )
    assert rule(person, "window")[0] is True
    assert rule(person, "window", offering=closed) == (
        False,
        f"{closed.intake.name}的报名已于2026-11-28 20:00截止。",
    )
    assert rule(person, "window", offering=future) == (False, "报名将于2026-11-30 20:00开始。")


def test_eligible_only_when_every_rule_is_met():
    person = WorkerProfileFactory().user
    assert eligibility.check(worker=person, offering=offering(), at=AT).eligible
    assert not eligibility.check(worker=UserFactory(), offering=offering(), at=AT).eligible
    assert timezone.is_aware(AT)
