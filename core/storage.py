"""Where private uploads live: the filesystem (development) or an S3-compatible bucket (production).

The bucket is private. Nothing in it has a public URL: an object is read either by the portal
itself, streamed through the access-checked views (core.files), or by the browser through a
signed URL that one of those views hands out after its check, valid for a few minutes.
Aliyun OSS, Tencent COS and MinIO all speak the S3 API, so one backend (django-storages over
boto3) serves them all; README "Production" lists the settings for each.

`move_files` copies the files already on disk into the bucket (the management command
move_files_to_storage), verifying every copy by size and SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.db import models
from storages.backends.s3 import S3Storage

CHUNK_BYTES = 64 * 1024


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend that never hands out an unsigned URL or overwrites a file."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        # A public URL would bypass the access check: refuse the settings that make one.
        if not self.querystring_auth or self.custom_domain:
            raise ImproperlyConfigured(
                "Private uploads need signed URLs: querystring_auth on and no custom_domain."
            )
        if self.default_acl not in (None, "private"):
            raise ImproperlyConfigured("Private uploads must not be stored with a public ACL.")

    def signed_url(self, name: str, *, content_type: str, expire: int) -> str:
        """A URL that reads this one object for `expire` seconds, answered with these headers.

        The response-* parameters are signed with the rest, so nobody can change them on the way;
        OSS, COS and MinIO honour them as S3 does.
        """
        return str(
            self.url(
                name,
                parameters={
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": "inline",
                    "ResponseCacheControl": "private, no-store",
                },
                expire=expire,
            )
        )

    def open_stream(self, name: str) -> tuple[Any, int]:
        """The object's body as a stream read from the bucket as it is sent on, and its size.

        S3File (what storage.open gives) downloads the whole object into memory before the
        first byte leaves; a photo streamed to a phone on weak 4G should not wait for that.
        """
        key = self._normalize_name(name)
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except self.connection.meta.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(f"File does not exist: {name}") from error
        return answer["Body"], int(answer["ContentLength"])


# --- Moving existing files into the configured storage -------------------------------------------


@dataclass
class MoveReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named by a row, not on disk
    # In the target with other content than on disk, or a copy that did not read back the same.
    failed: list[str] = field(default_factory=list)


def stored_file_names() -> Iterator[tuple[Storage, str]]:
    """(storage, name) of every file a row points at, each once, over every model's file fields."""
    seen: set[tuple[int, str]] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if not isinstance(model_field, models.FileField):
                continue
            names = (
                model._default_manager.exclude(**{model_field.name: ""})
                .exclude(**{f"{model_field.name}__isnull": True})
                .values_list(model_field.name, flat=True)
                .order_by(model_field.name)
                .distinct()
            )
            for name in names.iterator():
                key = (id(model_field.storage), name)
                if key not in seen:
                    seen.add(key)
                    yield model_field.storage, name


def _digest(storage: Storage, name: str) -> tuple[int, str]:
    size, sha256 = 0, hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in stored.chunks(CHUNK_BYTES):
            size += len(chunk)
            sha256.update(chunk)
    return size, sha256.hexdigest()


def move_files(*, source: Storage, dry_run: bool = False) -> MoveReport:
    """Copy every file rows point at from `source` into its field's storage, under the same name.

    Idempotent: a file already in the target with the same size and SHA-256 is left alone, so
    an interrupted run is simply started again. Nothing is deleted from the source: the disk
    copy goes once the new storage has served for a while (README "Production").
    """
    report = MoveReport()
    for target, name in stored_file_names():
        if not source.exists(name):
            report.missing.append(name)
            continue
        expected = _digest(source, name)
        if target.exists(name):
            (report.already_there if _digest(target, name) == expected else report.failed).append(name)
            continue
        if dry_run:
            report.copied.append(name)
            continue
        with source.open(name, "rb") as content:
            saved_as = target.save(name, content)
        if saved_as != name or _digest(target, name) != expected:
            report.failed.append(name)
        else:
            report.copied.append(name)
    return report
