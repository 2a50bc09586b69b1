"""Our directory in Open Referral HSDS 3.0 shapes: plain dicts, field names as the standard spells them.

Ids are the models' `uuid` columns; ids of records we do not store as rows
(addresses, phones, schedules, attributes) are name-based UUIDs derived from
their parent, so they stay the same from one request to the next.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from services.models import Organization, Scenario, Service, ServiceAtPoint, ServicePoint

HSDS_VERSION = "3.0"
HSDS_PROFILE = "https://docs.openreferral.org/en/v3.0/hsds/"
TAXONOMY_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://xiaoge.example.org/hsds/taxonomies/friendly-scenarios")
TAXONOMY_NAME = "新友好场景 Friendly scenarios"
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
UTC_OFFSET_SHANGHAI = 8


def _id(value) -> str:
    return str(value)


def _derived(parent: uuid.UUID, name: str) -> str:
    return str(uuid.uuid5(parent, name))


def _timestamp(moment) -> str:
    return moment.isoformat()


def taxonomy() -> dict:
    return {
        "id": _id(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": "十大新友好场景：西湖区为新就业群体提供的十类服务。The ten friendly scenarios of support "
        "for new-employment workers in Xihu District.",
        "version": "1",
        "metadata": [],
    }


def taxonomy_term(scenario: Scenario) -> dict:
    return {
        "id": _id(scenario.uuid),
        "code": scenario.code,
        "name": scenario.name_zh,
        "description": scenario.description_zh or scenario.name_en,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": _id(TAXONOMY_ID),
        "language": "zh",
        "metadata": [],
    }


def organization(
    org: Organization, *, services: list[Service] | None = None, full_service: bool = False
) -> dict:
    data: dict[str, Any] = {
        "id": _id(org.uuid),
        "name": org.name,
        "description": org.description,
        "phones": [_phone(org.phone, parent=org.uuid, organization_id=org.uuid)] if org.phone else [],
    }
    if org.email:
        data["email"] = org.email
    if org.website:
        data["website"] = org.website
    if services is not None:
        data["services"] = [
            _without_organization(service_full(s))
            if full_service
            else service_brief(s, with_organization=False)
            for s in services
        ]
    return data


def _phone(number: str, *, parent: uuid.UUID, **links) -> dict:
    data: dict[str, Any] = {
        "id": _derived(parent, "phone"),
        "number": number,
        "type": "voice",
        "languages": [],
        "metadata": [],
    }
    data.update({key: _id(value) for key, value in links.items()})
    return data


def service_brief(service: Service, *, with_organization: bool = True) -> dict:
    """The one-to-one fields of a service (the list shape)."""
    data: dict[str, Any] = {
        "id": _id(service.uuid),
        "organization_id": _id(service.organization.uuid),
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "application_process": service.how_to_get,
        "fees_description": service.cost,
        "eligibility_description": service.eligibility,
        "last_modified": _timestamp(service.updated_at),
    }
    if service.url:
        data["url"] = service.url
    if service.email:
        data["email"] = service.email
    if with_organization:
        data["organization"] = organization(service.organization)
    return data


def _attribute_for_term(service: Service) -> dict:
    scenario = service.scenario
    return {
        "id": _derived(service.uuid, f"taxonomy_term:{scenario.uuid}"),
        "link_id": _id(service.uuid),
        "link_type": "service_type",
        "link_entity": "service",
        "taxonomy_term_id": _id(scenario.uuid),
        "taxonomy_term": taxonomy_term(scenario),
        "metadata": [],
    }


def _without_organization(data: dict) -> dict:
    # Nested in its organisation, a service does not repeat it.
    data.pop("organization", None)
    return data


def service_full(service: Service) -> dict:
    data = service_brief(service)
    data["attributes"] = [_attribute_for_term(service)]
    data["service_at_locations"] = [
        service_at_location(at, with_service=False) for at in service.at_points.all() if at.point.is_active
    ]
    data["phones"], data["schedules"], data["languages"], data["contacts"] = [], [], [], []
    data["metadata"] = []
    return data


def schedules(point: ServicePoint) -> list[dict]:
    """Weekly hours grouped by identical spans (byday lists), then each dated exception."""
    by_span: dict[tuple, list[int]] = defaultdict(list)
    for s in point.schedules.all():
        by_span[(s.opens_at, s.closes_at)].append(s.weekday)
    rows = []
    for (opens, closes), weekdays in sorted(by_span.items(), key=lambda item: (min(item[1]), item[0])):
        overnight = closes <= opens
        rows.append(
            {
                "id": _derived(point.uuid, f"weekly:{opens:%H:%M}-{closes:%H:%M}"),
                "location_id": _id(point.uuid),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(BYDAY[d] for d in sorted(weekdays)),
                "opens_at": f"{opens:%H:%M}",
                "closes_at": f"{closes:%H:%M}",
                "timezone": UTC_OFFSET_SHANGHAI,
                "description": "Open overnight: closes the next day." if overnight else "",
                "attending_type": "in_person",
                "attributes": [],
                "metadata": [],
            }
        )
    for e in point.exceptions.all():
        row = {
            "id": _derived(point.uuid, f"exception:{e.date.isoformat()}"),
            "location_id": _id(point.uuid),
            "valid_from": e.date.isoformat(),
            "valid_to": e.date.isoformat(),
            "timezone": UTC_OFFSET_SHANGHAI,
            "description": ("Closed" if e.closed else "Special hours") + (f": {e.note}" if e.note else ""),
            "notes": e.note,
            "attributes": [],
            "metadata": [],
        }
        if not e.closed:
            row["opens_at"], row["closes_at"] = f"{e.opens_at:%H:%M}", f"{e.closes_at:%H:%M}"
        rows.append(row)
    return rows


def location(point: ServicePoint) -> dict:
    return {
        "id": _id(point.uuid),
        "location_type": "physical",
        "organization_id": _id(point.organization.uuid),
        "name": point.name,
        "description": point.notes,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "addresses": [
            {
                "id": _derived(point.uuid, "address"),
                "location_id": _id(point.uuid),
                "address_1": point.address,
                "city": "杭州市",
                "region": "西湖区",
                "state_province": "浙江省",
                "postal_code": point.postal_code,
                "country": "CN",
                "address_type": "physical",
                "attributes": [],
                "metadata": [],
            }
        ],
        "phones": [_phone(point.phone, parent=point.uuid, location_id=point.uuid)] if point.phone else [],
        "schedules": schedules(point),
        "attributes": [
            {
                "id": _derived(point.uuid, f"amenity:{code}"),
                "link_id": _id(point.uuid),
                "link_type": "amenity",
                "link_entity": "location",
                "value": code,
                "metadata": [],
            }
            for code in point.amenities
        ],
        "languages": [],
        "contacts": [],
        "accessibility": [],
        "metadata": [],
    }


def service_at_location(
    at: ServiceAtPoint, *, with_service: bool = True, distance_km: float | None = None, full: bool = False
) -> dict:
    data: dict[str, Any] = {
        "id": _id(at.uuid),
        "service_id": _id(at.service.uuid),
        "location_id": _id(at.point.uuid),
        "description": at.description,
        "location": location(at.point),
        "contacts": [],
        "phones": [],
        "schedules": [],
        "attributes": [],
        "metadata": [],
    }
    if with_service:
        data["service"] = service_brief(at.service, with_organization=full)
    if distance_km is not None:
        # Not an HSDS field: how far the place is from the lat/lng asked for.
        data["distance_km"] = round(distance_km, 3)
    return data
