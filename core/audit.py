from typing import Any

from django.db import models

from core.models import AuditEntry


def record(
    *, actor, action: str, target: models.Model, note: str = "", data: dict[str, Any] | None = None
) -> None:
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        note=note,
        data=data or {},
    )
