"""Who may apply: each rule says, in plain words, whether it is met and why."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Offering
from accounts.models import Education

MINIMUM_AGE = 18
MAXIMUM_AGE = 45


@dataclass(frozen=True)
class Rule:
    code: str
    met: bool
    text: str
    fixed_in_profile: bool = False  # unmet because of something the worker can correct in "My profile"


@dataclass(frozen=True)
class Eligibility:
    rules: list[Rule]

    @property
    def eligible(self) -> bool:
        return all(rule.met for rule in self.rules)

    @property
    def unmet(self) -> list[Rule]:
        return [rule for rule in self.rules if not rule.met]

    @property
    def fixed_in_profile(self) -> bool:
        """Something unmet that the worker can correct in "My profile"."""
        return any(rule.fixed_in_profile for rule in self.unmet)


def check(*, worker, offering: Offering, at: dt.datetime | None = None) -> Eligibility:
    at = at or timezone.now()
    profile = getattr(worker, "profile", None)
    rules = [_profile_rule(profile), _age_rule(profile, timezone.localdate(at))]
    rules.append(_education_rule(profile, offering))
    rules.append(_window_rule(offering, at))
    return Eligibility(rules=rules)


def _profile_rule(profile) -> Rule:
    if profile is not None and profile.is_complete:
        return Rule("profile", True, _("Your profile is complete."))
    return Rule(
        "profile",
        False,
        _("Your profile is not complete yet: please fill in every field of “My profile”."),
        fixed_in_profile=True,
    )


def _age_rule(profile, today: dt.date) -> Rule:
    age = profile.age_on(today) if profile is not None else None
    if age is None:
        return Rule(
            "age", False, _("We need your ID number to check your age (18 to 45)."), fixed_in_profile=True
        )
    if MINIMUM_AGE <= age <= MAXIMUM_AGE:
        return Rule("age", True, _("You are %(age)d: the programme is open to ages 18 to 45.") % {"age": age})
    return Rule(
        "age", False, _("You are %(age)d: the programme is open to ages 18 to 45 only.") % {"age": age}
    )


def _education_rule(profile, offering: Offering) -> Rule:
    programme = offering.programme
    needed = programme.minimum_education
    if profile is None or not profile.education:
        return Rule(
            "education",
            False,
            _("Please tell us your highest education in your profile."),
            fixed_in_profile=True,
        )
    if Education.rank(profile.education) >= Education.rank(needed):
        return Rule(
            "education",
            True,
            _("Your education (%(yours)s) meets the entry requirement (%(needed)s or higher).")
            % {"yours": profile.get_education_display(), "needed": Education(needed).label},
        )
    return Rule(
        "education",
        False,
        _("A %(level)s programme needs %(needed)s or higher; your profile says %(yours)s.")
        % {
            "level": programme.get_level_display(),
            "needed": Education(needed).label,
            "yours": profile.get_education_display(),
        },
        fixed_in_profile=True,
    )


def _window_rule(offering: Offering, at: dt.datetime) -> Rule:
    intake = offering.intake
    close = timezone.localtime(intake.applications_close_at)
    opens = timezone.localtime(intake.applications_open_at)
    if intake.is_open(at):
        return Rule(
            "window", True, _("Applications are open until %(date)s.") % {"date": f"{close:%Y-%m-%d %H:%M}"}
        )
    if at < intake.applications_open_at:
        return Rule(
            "window", False, _("Applications open on %(date)s.") % {"date": f"{opens:%Y-%m-%d %H:%M}"}
        )
    return Rule(
        "window",
        False,
        _("Applications for %(intake)s closed on %(date)s.")
        % {
            "intake": intake.name,
            "date": f"{close:%Y-%m-%d %H:%M}",
        },
    )
