"""Indexes that more than one app declares."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models.functions import Upper


def search_index(field: str, *, name: str) -> GinIndex:
    """A trigram index for admin search on a large table.

    Admin search is `icontains`, which PostgreSQL receives as UPPER(field::text) LIKE UPPER('%term%'):
    no B-tree serves a leading wildcard, so without this a search reads the whole table. The GIN
    index over the trigrams of UPPER(field) answers it from the index (pg_trgm, created by
    accounts' migration 0002)."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
