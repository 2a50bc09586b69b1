import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Street
from core.uploads import clean_image
from governance.models import Category, Grid, GridMember
from tests.factories import UserFactory


def square(lat: float, lng: float, half: float = 0.001) -> dict:
    ring = [
        [lng - half, lat - half],
        [lng + half, lat - half],
        [lng + half, lat + half],
        [lng - half, lat + half],
        [lng - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    name = factory.Sequence(lambda n: f"测试网格{n}")
    street = Street.JIANGCUN
    community = "文鼎苑社区"
    area = factory.LazyFunction(lambda: square(30.283, 120.095))


class GridMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridMember

    grid = factory.SubFactory(GridFactory)
    user = factory.SubFactory(UserFactory)


def category(code: str = "road") -> Category:
    # The migration seeds the categories; a transactional test's flush removes them again.
    names = {
        "road": ("道路交通隐患", "🚧"),
        "sanitation": ("环境卫生", "🧹"),
        "people": ("老人与困难群众", "🤝"),
    }
    name, icon = names.get(code, (code, ""))
    defaults = {
        "name_zh": name,
        "name_en": code,
        "icon": icon,
        "department": "区城管局（市政设施）",
        "is_public": code != "people",
    }
    return Category.objects.get_or_create(code=code, defaults=defaults)[0]


def image_bytes(fmt: str = "JPEG", size=(64, 48), mode="RGB", **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red").save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 58.0), 3: "E", 4: (120.0, 5.0, 42.0)}
    return image_bytes("JPEG", exif=exif.tobytes())


def photo_upload(data: bytes | None = None, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(), content_type=content_type)


def clean_photo():
    return clean_image(photo_upload())
