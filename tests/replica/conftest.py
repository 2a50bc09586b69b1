# The partner universities and their API clients, as tests/partner_api has them (on_pair.py).
from tests.partner_api.conftest import api_clients, client_a, client_b, uni_a, uni_b  # noqa: F401
