"""`make run`'s demo data gives every panel of the dashboard something to show."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from dashboard.models import Panel, Rollup

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_panel_and_the_demo_checker_opens_the_dashboard():
    call_command("seed_demo")
    assert set(Rollup.objects.values_list("panel", flat=True)) == set(Panel.values)
    client = Client()
    client.force_login(User.objects.get(phone="+8613900000001"))  # the demo checker
    page = client.get(reverse("dashboard:district")).content.decode()
    for panel in Panel.values:
        assert f'id="panel-{panel}"' in page
    assert "数据截至" in page
