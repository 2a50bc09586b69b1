import datetime as dt
from typing import Any, ClassVar

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import idcard
from core import crypto
from core.indexes import search_index
from core.models import TimeStampedModel
from core.phone import format_local, normalize_mobile, normalize_mobile_or_keep


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, phone: str | None) -> "User":
        # Staff type "138 0000 0001" or "13800000001" at the admin login. The base class
        # allows None (no login name given); no user has an empty number, so it finds nobody.
        return self.get(phone=normalize_mobile_or_keep(phone or ""))

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(phone=normalize_mobile(phone), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Workers and staff alike log in with a mainland mobile number."""

    phone = models.CharField(_("mobile number"), max_length=16, unique=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    real_name = models.CharField(_("real name"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Staff search every large list (applications, requests, messages) by name or mobile number.
        indexes = [
            search_index("phone", name="user_phone_search_idx"),
            search_index("real_name", name="user_name_search_idx"),
        ]
        # Everyone else on staff sees 138****0001 (accounts.selectors.phone_for).
        permissions = [("see_phone_number", _("Can see full mobile numbers"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phone__regex=r"^\+861[3-9][0-9]{9}$"), name="user_phone_e164_cn"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.real_name or _('(no name yet)')} {self.phone_display}"

    @property
    def phone_display(self) -> str:
        return format_local(self.phone)

    def get_full_name(self) -> str:
        return self.real_name or self.phone_display

    def get_short_name(self) -> str:
        return self.get_full_name()


class Occupation(models.TextChoices):
    COURIER = "courier", _("Courier")
    FOOD_DELIVERY = "food_delivery", _("Food-delivery rider")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing driver")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    # Ordered from lowest to highest: the academy compares levels.
    JUNIOR_HIGH = "junior_high", _("Junior high school or below")
    SENIOR_HIGH = "senior_high", _("Senior high / vocational school")
    ASSOCIATE = "associate", _("Associate degree (专科)")
    BACHELOR = "bachelor", _("Bachelor's degree or above")

    @classmethod
    def rank(cls, value: str) -> int:
        return list(cls.values).index(value)


class Street(models.TextChoices):
    BEISHAN = "beishan", _("Beishan Subdistrict")
    XIXI = "xixi", _("Xixi Subdistrict")
    LINGYIN = "lingyin", _("Lingyin Subdistrict")
    CUIYUAN = "cuiyuan", _("Cuiyuan Subdistrict")
    WENXIN = "wenxin", _("Wenxin Subdistrict")
    GUDANG = "gudang", _("Gudang Subdistrict")
    XIHU = "xihu", _("Xihu Subdistrict")
    ZHUANTANG = "zhuantang", _("Zhuantang Subdistrict")
    LIUXIA = "liuxia", _("Liuxia Subdistrict")
    JIANGCUN = "jiangcun", _("Jiangcun Subdistrict")
    SANDUN = "sandun", _("Sandun Town")
    SHUANGPU = "shuangpu", _("Shuangpu Town")
    ELSEWHERE = "elsewhere", _("Elsewhere")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class WorkerProfile(TimeStampedModel):
    """What a worker tells us once; the academy and subsidies read it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices)
    platform = models.CharField(_("platform or employer"), max_length=80)
    street = models.CharField(_("street where you mostly work"), max_length=20, choices=Street.choices)
    months_in_trade = models.PositiveSmallIntegerField(_("months in the trade"))
    education = models.CharField(_("highest education"), max_length=20, choices=Education.choices)
    # The resident ID number: encrypted at rest, unique through a keyed hash,
    # shown only masked. Birth date and sex are derived from it.
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True, editable=False)

    class Meta:
        verbose_name = _("worker profile")
        verbose_name_plural = _("worker profiles")
        # core.privacy.SEE_FULL_ID_PERMISSION: the full ID number (and the birth date beside it) in admin.
        permissions = [("see_full_id_number", _("Can see full resident ID numbers"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months_in_trade__lte=720), name="profile_months_in_trade_max"
            ),
        ]

    def __str__(self) -> str:
        # No phone number here: admin heads the profile inline and titles with it, for station
        # staff too (accounts.admin_people masks the number where it is shown).
        return self.user.real_name or str(self.user_id)

    @property
    def has_id_number(self) -> bool:
        return bool(self.id_number_hash)

    def id_number(self) -> str:
        """The full number, decrypted. Only for people allowed to see it."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    def age_on(self, day: dt.date) -> int | None:
        return idcard.age_on(self.birth_date, day) if self.birth_date else None

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_complete(self) -> bool:
        return bool(
            self.user.real_name
            and self.occupation
            and self.platform
            and self.street
            and self.education
            and self.has_id_number
        )


class Consent(models.Model):
    """A separate, recorded agreement to one notice for one purpose (PIPL)."""

    class Purpose(models.TextChoices):
        SENSITIVE_DATA = "sensitive_data", _("Processing of sensitive personal data (ID number)")
        # Separate from the above: the partner university may receive the full ID number for registration.
        SHARE_ID_WITH_UNIVERSITY = (
            "share_id_university",
            _("Sharing the full ID number with the partner university"),
        )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    agreed_at = models.DateTimeField(_("agreed at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-agreed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "notice_version"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_live_per_notice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.notice_version}"


class StaffAuthenticator(Authenticator):
    """Staff authenticator apps and recovery codes, under their Chinese name in admin (issue 19)."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")
