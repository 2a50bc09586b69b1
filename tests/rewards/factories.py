import factory

from accounts.models import Street
from rewards.models import Reward, RewardStock
from stations.models import Station
from tests.services.factories import PointFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        skip_postgeneration_save = True

    service_point = factory.SubFactory(PointFactory)
    name = factory.Sequence(lambda n: f"兑换测试驿站{n}")
    host_name = "杭州西溪龙湖天街购物中心"
    host_kind = Station.HostKind.MALL
    street = Street.JIANGCUN


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    name_zh = "驿站咖啡一杯"
    name_en = "A coffee at the station"
    description_zh = "在驿站领取一杯现磨咖啡。"
    description_en = "A freshly made coffee at the station."
    price = 30


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RewardStock

    station = factory.SubFactory(StationFactory)
    reward = factory.SubFactory(RewardFactory)
    quantity = 5
