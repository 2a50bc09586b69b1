from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True  # this module also holds the admin's config below
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import auth_audit, checks  # noqa: F401  (audit receivers of login events, system checks)


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: staff enter only after a password and a second factor."""

    default = False  # named in INSTALLED_APPS; "accounts" itself stays AccountsConfig
    default_site = "accounts.admin_site.StaffAdminSite"
