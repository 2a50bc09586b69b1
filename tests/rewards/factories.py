import factory

from rewards.models import Reward, RewardStock
from tests.stations.factories import StationFactory


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
