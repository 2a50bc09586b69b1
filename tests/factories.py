import factory
from django.conf import settings

from accounts import idcard
from accounts.models import Consent, Education, Occupation, Street, User, WorkerProfile
from core import crypto

DEMO_PASSWORD = "xiaoge-test"


def valid_id_number(region: str = "330106", born: str = "19950312", sequence: str = "123") -> str:
    first17 = region + born + sequence
    return first17 + idcard.check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: f"+86137{n:08d}")
    real_name = factory.Sequence(lambda n: f"测试{n}")
    phone_verified = True
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class WorkerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    occupation = Occupation.COURIER
    platform = "顺丰速运"
    street = Street.XIXI
    months_in_trade = 24
    education = Education.SENIOR_HIGH

    class Params:
        id_number = factory.Sequence(lambda n: valid_id_number(sequence=f"{n % 1000:03d}"))

    @factory.lazy_attribute
    def id_number_encrypted(self):
        return crypto.encrypt(self.id_number)

    @factory.lazy_attribute
    def id_number_hash(self):
        return crypto.lookup_hash(self.id_number)

    @factory.lazy_attribute
    def id_number_masked(self):
        return idcard.mask(self.id_number)

    @factory.lazy_attribute
    def birth_date(self):
        return idcard.birth_date_of(self.id_number)

    @factory.lazy_attribute
    def sex(self):
        return idcard.sex_of(self.id_number)

    @factory.post_generation
    def consent(obj, create, extracted, **kwargs):
        if create:
            Consent.objects.create(
                user=obj.user,
                purpose=Consent.Purpose.SENSITIVE_DATA,
                notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
            )
