"""A real S3-compatible server on this machine for the object-storage tests: moto's standalone server.

It runs as its own process (`python -m moto.server`) on a loopback port, standing in for Aliyun
OSS, Tencent COS or MinIO: the portal talks to it over HTTP with signed requests, exactly as to
the cloud, and nothing in the test process is patched. Started once per test session (per
pytest-xdist worker), only when a test asks for it (the `s3_server` fixture in tests/conftest.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY = "portal-test-key"
SECRET_KEY = "portal-test-secret"
REGION = "cn-hangzhou-test"
START_SECONDS = 30


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen
    _client: Any = field(default=None, repr=False)

    def client(self):
        # One client for the session: making one loads botocore's service model (a fraction of a second).
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def new_bucket(self) -> str:
        name = f"portal-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, ACL="private"
        )
        return name

    def storage_entry(self, bucket: str) -> dict:
        """STORAGES["default"] as production configures it, pointed at this server."""
        from config.settings import s3_storage

        return s3_storage(
            endpoint_url=self.endpoint_url,
            bucket_name=bucket,
            region_name=REGION,
            addressing_style="path",  # 127.0.0.1 has no <bucket>.127.0.0.1 names
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> S3Server:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"moto_server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310 (loopback)
                return S3Server(endpoint_url=endpoint, process=process)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto_server did not answer on {endpoint} within {START_SECONDS} s")


def stop(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
