"""One audited write for the configuration rows staff keep in admin (report categories, point rules).

Each app's action names its model and audit action and calls `config_save` inside its own
transaction; the model's add/change permission is checked here, before anything is read.
"""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from core import audit
from core.exceptions import ApplicationError
from core.permissions import require_permission

M = TypeVar("M", bound=models.Model)


def config_save(
    model: type[M], *, pk: int | None, values: dict[str, Any], acting_user: Any, action: str
) -> M:
    """Create or change a configuration row (its model's add/change permission), audited with each
    value before and after; model validation errors come back as the ApplicationError."""
    opts = model._meta
    verb = "change" if pk else "add"
    require_permission(acting_user, f"{opts.app_label}.{verb}_{opts.model_name}")
    row = model._default_manager.select_for_update().get(pk=pk) if pk else model()
    fields = [field.name for field in opts.concrete_fields if not field.primary_key]
    before = {name: getattr(row, name) for name in fields} if pk else {}
    for name, value in values.items():
        if name in fields:
            setattr(row, name, value)
    try:
        row.full_clean()
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    row.save()
    changed = {
        name: {"from": before.get(name), "to": getattr(row, name)}
        for name in fields
        if not pk or before[name] != getattr(row, name)
    }
    audit.record(actor=acting_user, action=f"{action}.{verb}", target=row, data={"changed": changed})
    return row
