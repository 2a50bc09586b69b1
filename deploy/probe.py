"""The container health probe: GET a path of this container's gunicorn, exit 0 on 200 only.

`python deploy/probe.py /livez` (or /readyz). The request names the first of
DJANGO_ALLOWED_HOSTS, which Django requires; the probe paths are exempt from the HTTPS
redirect (config/settings.py SECURE_REDIRECT_EXEMPT).
"""

import http.client
import os
import sys


def main(path: str) -> int:
    hosts = [host.strip().lstrip(".") for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
    host = next((host for host in hosts if host and host != "*"), "localhost")
    # gunicorn listens on every interface of the container; the probe asks over loopback.
    address = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")  # noqa: S104
    connection = http.client.HTTPConnection(address, timeout=3)
    try:
        connection.request("GET", path, headers={"Host": host})
        status = connection.getresponse().status
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{path}: HTTP {status}", file=sys.stderr)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/livez"))
