"""The fault tests' loyalty (in-process and as a process of its own) reads members'
birthdays from the test customer service (:mod:`tests.contacts`)."""

from __future__ import annotations

from tests.contacts import customer_contacts  # noqa: F401 (a fixture: the test customer)
