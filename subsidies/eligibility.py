"""Who may receive the tuition subsidy, and how much: each rule in plain words."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from academy.eligibility import Rule
from academy.models import Enrolment
from accounts.models import Occupation, Street
from subsidies.models import OccupationCap, Scheme


@dataclass(frozen=True)
class Assessment:
    rules: list[Rule]
    occupation_cap: Decimal | None
    tuition: Decimal
    cap: Decimal
    amount: Decimal

    @property
    def eligible(self) -> bool:
        return all(rule.met for rule in self.rules)

    @property
    def unmet(self) -> list[Rule]:
        return [rule for rule in self.rules if not rule.met]


def assess(*, enrolment: Enrolment, scheme: Scheme, today: dt.date | None = None) -> Assessment:
    today = today or timezone.localdate()
    profile = getattr(enrolment.worker, "profile", None)
    tuition = enrolment.offering.programme.tuition
    occupation = profile.occupation if profile else ""
    cap_row = next((row for row in scheme.occupation_caps.all() if row.occupation == occupation), None)
    rules = [
        _admitted_rule(enrolment),
        _occupation_rule(occupation, cap_row),
        _age_rule(profile, scheme, today),
        _district_rule(profile, scheme),
        _months_rule(profile, scheme),
    ]
    cap = min(cap_row.cap, scheme.default_cap) if cap_row else Decimal("0.00")
    return Assessment(
        rules=rules,
        occupation_cap=cap_row.cap if cap_row else None,
        tuition=tuition,
        cap=cap,
        amount=min(cap, tuition),
    )


def _admitted_rule(enrolment: Enrolment) -> Rule:
    if enrolment.status in (Enrolment.Status.ADMITTED, Enrolment.Status.ENROLLED):
        return Rule(
            "admitted",
            True,
            _("You are admitted to %(programme)s.") % {"programme": enrolment.offering.programme},
        )
    return Rule(
        "admitted",
        False,
        _("The subsidy is for admitted students; this application is “%(status)s”.")
        % {"status": enrolment.get_status_display()},
    )


def _occupation_rule(occupation: str, cap_row: OccupationCap | None) -> Rule:
    if cap_row is not None:
        return Rule(
            "occupation",
            True,
            _("%(occupation)s: funded up to ¥%(cap)s.")
            % {"occupation": cap_row.get_occupation_display(), "cap": f"{cap_row.cap:,.2f}"},
        )
    label = Occupation(occupation).label if occupation else _("not given")
    return Rule(
        "occupation",
        False,
        _("This scheme does not fund your occupation (%(occupation)s).") % {"occupation": label},
    )


def _age_rule(profile, scheme: Scheme, today: dt.date) -> Rule:
    age = profile.age_on(today) if profile else None
    if age is None:
        return Rule("age", False, _("We need your ID number to check your age."))
    if scheme.min_age <= age <= scheme.max_age:
        return Rule(
            "age",
            True,
            _("Age %(age)d is within %(min)d to %(max)d.")
            % {"age": age, "min": scheme.min_age, "max": scheme.max_age},
        )
    return Rule(
        "age",
        False,
        _("The subsidy is for ages %(min)d to %(max)d; you are %(age)d.")
        % {"age": age, "min": scheme.min_age, "max": scheme.max_age},
    )


def _district_rule(profile, scheme: Scheme) -> Rule:
    if not scheme.requires_district_work:
        return Rule("district", True, _("Work anywhere is accepted."))
    if profile and profile.street and profile.street != Street.ELSEWHERE:
        return Rule(
            "district",
            True,
            _("You work in the district (%(street)s).") % {"street": profile.get_street_display()},
        )
    return Rule(
        "district",
        False,
        _("The subsidy is for people who mostly work in the district; your profile says elsewhere."),
    )


def _months_rule(profile, scheme: Scheme) -> Rule:
    months = profile.months_in_trade if profile else 0
    if months >= scheme.min_months_in_trade:
        return Rule(
            "months",
            True,
            _("%(months)d months in the trade (at least %(min)d needed).")
            % {"months": months, "min": scheme.min_months_in_trade},
        )
    return Rule(
        "months",
        False,
        _("You need at least %(min)d months in the trade; your profile says %(months)d.")
        % {"months": months, "min": scheme.min_months_in_trade},
    )
