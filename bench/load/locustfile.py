"""The morning peak (issue 16): workers on their phones and universities pulling rosters.

Run by `make load` (bench/load/run.py), which seeds the people, starts gunicorn and passes
LOAD_PEOPLE (the JSON that bench/load/seed.py wrote). Free of Django: locust patches the
standard library with gevent when it is imported, which Django's database code must not see
in the same process.

Requests go straight to gunicorn, as nginx would pass them: "X-Forwarded-Proto: https", so
production settings treat them as HTTPS. The session and CSRF cookies are Secure, which a
client over plain HTTP would never send back, so each user keeps them itself and sends them
in its own Cookie header (the client's cookie jar accepts nothing).
"""

import io
import json
import os
import random
import re
import uuid
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import quote

from locust import HttpUser, between, task
from PIL import Image

# Where the morning happens: Xixi, where the demo service points and grids are.
LAT, LNG = "30.2741", "120.0551"
NEAR = f"lat={LAT}&lng={LNG}"

# Every path a task asks for, by the name it has in locust's table (tests/bench/test_load.py
# resolves each against the portal's URLs).
PATHS = {
    "worker: home": "/",
    "worker: near me": f"/services/near/?{NEAR}",
    "worker: near-me map": f"/services/near/map/?{NEAR}",
    "worker: delivery map search": "/delivery/?q=" + quote("紫金港花园 3幢2单元"),
    "worker: delivery map near me": f"/delivery/near/?{NEAR}",
    "worker: my applications": "/academy/applications/",
    "worker: report form": "/grid/report/",
    "worker: file report (photo)": "/grid/report/",
    "partner: token": "/oauth/token/",
    "partner: roster page (100)": "/api/v1/enrolments/?page_size=100",
    "partner: roster CSV": "/api/v1/enrolments/export.csv",
    "partner: OneRoster users (100)": "/ims/oneroster/rostering/v1p2/users?limit=100",
}
HTTPS = {"X-Forwarded-Proto": "https"}


def people() -> dict:
    with open(os.environ["LOAD_PEOPLE"], encoding="utf-8") as file:
        return json.load(file)


def phone_photo() -> bytes:
    """A 1600 x 1200 JPEG with a phone photo's noise (~0.5 MB): the portal re-encodes every upload."""
    noise = Image.effect_noise((1600, 1200), 48).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = phone_photo()
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CATEGORY = re.compile(r'name="category" value="(\d+)"')
# A category with questions of its own (governance.attributes) wants their answers: the load test
# files reports in the categories without.
ASKS = re.compile(r'name="attribute-(\d+)-')


class PortalUser(HttpUser):
    abstract = True

    def on_start(self) -> None:
        self.client.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.cookies: dict[str, str] = {}

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {**HTTPS, **extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def get(self, name: str, **kwargs):
        return self.client.get(PATHS[name], name=name, headers=self.headers(), **kwargs)


class Worker(PortalUser):
    """A courier or rider between two orders: one hand, a few seconds per page."""

    weight = 20
    wait_time = between(1, 4)

    def on_start(self) -> None:
        super().on_start()
        seeded = people()
        self.csrf_cookie = seeded["csrf_cookie"]
        self.cookies[seeded["session_cookie"]] = random.choice(seeded["workers"])

    @task(5)
    def home(self) -> None:
        self.get("worker: home")

    @task(4)
    def near_me(self) -> None:
        self.get("worker: near me")

    @task(2)
    def near_me_map(self) -> None:
        self.get("worker: near-me map")

    @task(3)
    def delivery_map_search(self) -> None:
        self.get("worker: delivery map search")

    @task(2)
    def delivery_map_near_me(self) -> None:
        self.get("worker: delivery map near me")

    @task(3)
    def my_applications(self) -> None:
        self.get("worker: my applications")

    @task(1)
    def file_report(self) -> None:
        with self.get("worker: report form", catch_response=True) as form:
            cookie = re.search(rf"{self.csrf_cookie}=([^;]+)", form.headers.get("Set-Cookie", ""))
            if cookie:
                self.cookies[self.csrf_cookie] = cookie.group(1)
            asking = set(ASKS.findall(form.text))
            token = CSRF_FIELD.search(form.text)
            categories = [pk for pk in CATEGORY.findall(form.text) if pk not in asking]
            if token is None or not categories:
                form.failure("the report form has no CSRF token or no category")
                return
        origin = self.host.replace("http://", "https://")
        with self.client.post(
            PATHS["worker: file report (photo)"],
            name="worker: file report (photo)",
            headers=self.headers(Referer=f"{origin}/grid/report/"),
            data={
                "csrfmiddlewaretoken": token.group(1),
                "category": random.choice(categories),
                "lat": LAT,
                "lng": LNG,
                "street": "xixi",
                "description": "负载测试：人行道上有车辆违停。",
                "client_uuid": str(uuid.uuid4()),
            },
            files={"photos": ("photo.jpg", PHOTO, "image/jpeg")},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")


class University(PortalUser):
    """A partner university's nightly job, run in the morning: pages of its roster, the CSV, OneRoster."""

    fixed_count = 2
    wait_time = between(2, 6)

    def on_start(self) -> None:
        super().on_start()
        partner = random.choice(people()["partners"])
        response = self.client.post(
            PATHS["partner: token"],
            name="partner: token",
            headers=HTTPS,
            data={"grant_type": "client_credentials"},
            auth=(partner["client_id"], partner["client_secret"]),
        )
        self.bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def get(self, name: str, **kwargs):
        return self.client.get(PATHS[name], name=name, headers={**HTTPS, **self.bearer}, **kwargs)

    @task(3)
    def roster_page(self) -> None:
        self.get("partner: roster page (100)")

    @task(1)
    def roster_csv(self) -> None:
        self.get("partner: roster CSV")

    @task(2)
    def oneroster_users(self) -> None:
        self.get("partner: OneRoster users (100)")
