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
    # The year of history behind the new panels: figures of 5 and more, not only "<5".
    from dashboard import selectors

    filters = selectors.Filters.default()
    hotspots = selectors.grid_panel(filters).table("hotspots").rows
    assert len(hotspots) == 3 and all(not row[2].suppressed for row in hotspots)
    forecast = selectors.subsidies_panel(filters).table("forecast").rows
    assert any(row[1].n >= 5 for row in forecast)
    ages = selectors.academy_panel(filters).table("ages").rows
    assert len(ages) == 4 and all(not row[1].suppressed for row in ages)
    [help_row] = selectors.grid_panel(filters).table("help").rows
    assert all(not cell.suppressed and cell.n for cell in help_row)
    scenarios = selectors.services_panel(filters).table("scenarios").rows
    assert all(row[5].value is not None for row in scenarios[:3])
    # Seeding again adds nothing (idempotent).
    workers = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == workers
