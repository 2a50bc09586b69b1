"""Data a whole test module shares: built once, in a transaction rolled back after the module."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def module_transaction() -> Iterator[None]:
    """The module's transaction, marked as the test case's own.

    Django's TestCase marks the transaction of its class-level data the same way, so durable
    actions (core: each action is an outermost transaction) may build the data; any other
    transaction around a durable action stays an error.
    """
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield
        transaction.set_rollback(True)
