from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # this module also holds the admin's config below
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import auth_audit, checks  # noqa: F401  (audit receivers of login events, system checks)

        post_migrate.connect(apply_roles_after_migrate, sender=self)


def apply_roles_after_migrate(sender, using, **kwargs) -> None:
    """Staff roles are code (accounts/roles.py): every migrate makes the groups say what it says."""
    from accounts.roles import apply_roles

    apply_roles(using=using)


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: staff enter only after a password and a second factor."""

    default = False  # named in INSTALLED_APPS; "accounts" itself stays AccountsConfig
    default_site = "accounts.admin_site.StaffAdminSite"
