from datetime import time, timedelta

import factory
from django.utils import timezone

from accounts.models import Street
from tests.factories import UserFactory
from volunteering import actions
from volunteering.models import Membership, Team

RECIPIENT = actions.RecipientDetails(
    name="陈阿婆", address="翠苑一区12幢3单元502室", phone="0571-88000001", notes="腿脚不便请送上楼"
)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"助老专送小哥队{n}")
    description = "为独居老人送午餐"
    lead = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lead_membership(obj, create, extracted, **kwargs):
        if create:
            actions.membership_ensure_lead(team=obj, acting_user=None)


def make_member(team: Team, user=None):
    user = user or UserFactory()
    Membership.objects.create(team=team, user=user, status=Membership.Status.ACTIVE)
    return user


def make_task(team: Team, *, days: int = 1, needed: int = 2, recipient=RECIPIENT, **overrides):
    fields = {
        "date": timezone.localdate() + timedelta(days=days),
        "starts_at": time(11, 0),
        "ends_at": time(12, 0),
        "street": Street.CUIYUAN,
        "area": "翠苑一区",
        "what": "午餐送餐",
        "volunteers_needed": needed,
        "recipient": recipient,
    }
    fields.update(overrides)
    return actions.task_create(team=team, acting_user=team.lead, **fields)
