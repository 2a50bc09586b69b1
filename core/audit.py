from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from core.models import AuditEntry


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: models.Model | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    # target None: an event about nothing stored (a failed login by an unknown client, say).
    AuditEntry.objects.create(
        # By id: core knows no user model; an anonymous visitor (pk None) is recorded as nobody.
        actor_id=getattr(actor, "pk", None) or None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        note=note,
        data=data or {},
    )
