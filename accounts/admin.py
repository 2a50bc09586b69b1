from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import admin_mfa, idcard  # noqa: F401  (admin_mfa: the authenticators' admin)
from accounts.admin_people import PhoneMaskedAdmin
from accounts.models import Consent, User, WorkerProfile
from accounts.roles import group_label
from core import crypto, privacy
from core.admin_tools import Refuses, permissions_formfield
from core.phone import normalize_mobile, normalize_mobile_or_keep


class PhoneCleaningMixin:
    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])


class UserCreationForm(PhoneCleaningMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("phone", "real_name")


class UserEditForm(PhoneCleaningMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class IdentityFieldsMixin:
    """The ID number, and the birth date only beside a full one: core.privacy decides per staff member."""

    editable_profile_fields: tuple[str, ...] = ()
    trailing_fields: tuple[str, ...] = ()
    leading_readonly_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        identity = privacy.identity_admin_fields(request.user)
        return (*self.editable_profile_fields, *identity, *self.trailing_fields)

    def get_readonly_fields(self, request, obj=None):
        return (
            *self.leading_readonly_fields,
            *privacy.identity_admin_fields(request.user),
            *self.trailing_fields,
        )

    @admin.display(description=_("ID number"))
    def full_id_number(self, obj: WorkerProfile) -> str:
        return privacy.shown_identity(obj, full_allowed=True).id_number


PROFILE_FIELDS = ("occupation", "platform", "street", "months_in_trade", "education")


class WorkerProfileInline(IdentityFieldsMixin, admin.StackedInline):
    model = WorkerProfile
    can_delete = False
    editable_profile_fields = PROFILE_FIELDS


class GroupsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return group_label(obj.name)


class InTheReadersLanguage:
    """Permissions and staff groups named in the reader's language (issue 19)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            return permissions_formfield(db_field, **kwargs)
        if db_field.name == "groups":
            return db_field.formfield(form_class=GroupsField, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class GroupFilter(admin.SimpleListFilter):
    title = _("group")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [(group.pk, group_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups=self.value()) if self.value() else queryset


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(InTheReadersLanguage, DjangoGroupAdmin):
    list_display = ("label",)

    @admin.display(description=_("name"), ordering="name")
    def label(self, obj: Group) -> str:
        return group_label(obj.name)


# A person's own pages name them as the viewer may see them (138****0001 for station staff).
PERSON_CHANGE_FORM = "admin/accounts/person_change_form.html"
PERSON_HISTORY = "admin/accounts/person_object_history.html"


@admin.register(User)
class UserAdmin(InTheReadersLanguage, PhoneMaskedAdmin, DjangoUserAdmin):
    phone_fields = {"phone_display": "phone", "phone": "phone"}
    phone_paths = ("phone",)
    is_person = True
    change_form_template = PERSON_CHANGE_FORM
    object_history_template = PERSON_HISTORY
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("-date_joined",)
    list_display = ("phone_display", "real_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", GroupFilter)
    search_fields = ("phone", "real_name")
    fieldsets = (
        (None, {"fields": ("phone", "phone_verified", "password")}),
        (_("Personal info"), {"fields": ("real_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "real_name", "password1", "password2")}),
    )
    inlines = (WorkerProfileInline,)
    # Facts the login records, never typed by staff (and Django's split date-time inputs have no
    # label a screen reader can announce: axe's "label" rule).
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("mobile number"), ordering="phone")
    def phone_display(self, obj: User) -> str:
        return obj.phone_display

    def get_search_results(self, request, queryset, search_term):
        # "13800000001" and "138 0000 0001" find +8613800000001.
        return super().get_search_results(request, queryset, normalize_mobile_or_keep(search_term))


@admin.register(WorkerProfile)
class WorkerProfileAdmin(Refuses, PhoneMaskedAdmin, IdentityFieldsMixin, admin.ModelAdmin):
    refuse = ("add",)  # workers create their own profile, with their own consent
    person_fields = {"user": "user"}
    phone_fields = {"phone": "user__phone"}
    phone_paths = ("user__phone",)
    is_person = True
    person_path = "user"
    change_form_template = PERSON_CHANGE_FORM
    object_history_template = PERSON_HISTORY
    list_display = (
        "name",
        "phone",
        "occupation",
        "platform",
        "street",
        "months_in_trade",
        "education",
        "id_number_masked",
    )
    list_filter = ("occupation", "street", "education")
    list_select_related = ("user",)
    search_fields = ("user__real_name", "user__phone")
    search_help_text = _("Name, mobile number, or a full ID number (matched by its keyed hash).")
    editable_profile_fields = ("user", *PROFILE_FIELDS)
    leading_readonly_fields = ("user",)
    trailing_fields = ("created_at", "updated_at")

    @admin.display(description=_("name"), ordering="user__real_name")
    def name(self, obj: WorkerProfile) -> str:
        return obj.user.real_name

    @admin.display(description=_("mobile number"), ordering="user__phone")
    def phone(self, obj: WorkerProfile) -> str:
        return obj.user.phone_display

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            number = idcard.normalize_id_number(term)
        except ValidationError:
            return super().get_search_results(request, queryset, normalize_mobile_or_keep(term))
        # Holding a number must not be enough to learn whose it is: only staff who may read full
        # numbers find a person by it (the others see it masked and would learn the rest).
        if not privacy.staff_may_see_full_id(request.user):
            return queryset.none(), False
        return queryset.filter(id_number_hash=crypto.lookup_hash(number)), False


@admin.register(Consent)
class ConsentAdmin(Refuses, admin.ModelAdmin):
    refuse = ("add", "change")
    list_display = ("user", "purpose", "notice_version", "agreed_at", "withdrawn_at")
    list_filter = ("purpose", "notice_version")
    list_select_related = ("user",)
    search_fields = ("user__phone", "user__real_name")
    readonly_fields = ("user", "purpose", "notice_version", "agreed_at", "withdrawn_at")
