"""A team's name, station and activity change only through volunteering.actions.team_update:
the station door checked in the action, each change audited, also from the admin change form."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from tests.factories import StaffFactory
from tests.stations.factories import StationFactory
from volunteering import actions

pytestmark = pytest.mark.django_db
NOT_YOUR_STATION = "只有该队所属驿站的工作人员才能这样做。"


def staff_of(station):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


def test_staff_of_another_station_cannot_change_the_team_and_nothing_changes(team):
    outsider = staff_of(StationFactory())
    with pytest.raises(PermissionDenied) as error:
        actions.team_update(
            team_id=team.pk, values={"name": "别的队", "is_active": False}, acting_user=outsider
        )
    assert (error.value.message, error.value.status_code) == (NOT_YOUR_STATION, 403)
    team.refresh_from_db()
    assert (team.name, team.is_active, AuditEntry.objects.count()) == ("助老专送小哥队", True, 0)


def test_moving_a_team_to_a_station_one_does_not_run_is_refused(team, station):
    mine = staff_of(station)
    elsewhere = StationFactory()
    with pytest.raises(PermissionDenied) as error:
        actions.team_update(team_id=team.pk, values={"station": elsewhere}, acting_user=mine)
    assert error.value.message == NOT_YOUR_STATION
    team.refresh_from_db()
    assert (team.station_id, AuditEntry.objects.count()) == (station.pk, 0)


def test_the_admin_change_form_goes_through_the_action_and_leaves_an_audit_row(client, team, station, lead):
    staff = staff_of(station)
    client.force_login(staff)
    response = client.post(
        reverse("admin:volunteering_team_change", args=[team.pk]),
        {
            "name": "翠苑助老队",
            "description": team.description,
            "station": station.pk,
            "lead": lead.pk,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("admin:volunteering_team_changelist"),
    )
    team.refresh_from_db()
    assert (team.name, team.is_active) == ("翠苑助老队", False)
    entry = AuditEntry.objects.get(action="volunteering.team.change")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        staff.pk,
        str(team.pk),
        {
            "changed": {
                "name": {"from": "助老专送小哥队", "to": "翠苑助老队"},
                "is_active": {"from": True, "to": False},
            }
        },
    )


def test_a_rename_with_a_refused_new_lead_saves_nothing(team, station, lead):
    """One transaction: the lead is refused (not active), so the new name is not kept either."""
    from core.exceptions import ApplicationError
    from tests.factories import UserFactory

    gone = UserFactory(is_active=False)
    with pytest.raises(ApplicationError) as error:
        actions.team_update(
            team_id=team.pk, values={"name": "改名队"}, lead=gone, acting_user=staff_of(station)
        )
    assert error.value.message == "请选择一位在用的账号担任队长。"
    team.refresh_from_db()
    assert (team.name, team.lead_id, AuditEntry.objects.count()) == ("助老专送小哥队", lead.pk, 0)


def test_a_rename_and_a_new_lead_in_one_action_are_both_audited(team, station):
    from tests.factories import UserFactory

    new_lead = UserFactory()
    team = actions.team_update(
        team_id=team.pk, values={"name": "改名队"}, lead=new_lead, acting_user=staff_of(station)
    )
    assert (team.name, team.lead_id) == ("改名队", new_lead.pk)
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "volunteering.team.change",
        "volunteering.team.lead_change",
    ]
