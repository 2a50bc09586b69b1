from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register(deploy=False)
def field_encryption_key_check(app_configs, **kwargs):
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEY.encode())
    except Exception:
        return [
            Error(
                "FIELD_ENCRYPTION_KEY is not a valid Fernet key.",
                hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="accounts.E001",
            )
        ]
    return []
