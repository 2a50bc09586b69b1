from typing import Any

from django.db import models

from core.models import AuditEntry


def record(
    *, actor, action: str, target: models.Model | None, note: str = "", data: dict[str, Any] | None = None
) -> None:
    # target=None: an event about no row, such as a failed login for a number nobody has.
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        note=note,
        data=data or {},
    )
