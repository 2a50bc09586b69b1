import factory

from accounts.models import Street
from stations.models import Station
from tests.services.factories import PointFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        skip_postgeneration_save = True

    service_point = factory.SubFactory(PointFactory)
    name = factory.Sequence(lambda n: f"测试驿站{n}")
    host_name = "杭州西溪龙湖天街购物中心"
    host_kind = Station.HostKind.MALL
    street = Street.JIANGCUN
