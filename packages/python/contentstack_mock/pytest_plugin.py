"""pytest fixtures for contentstack-mock: ``csmock``, one mock for the test session (started
on a free port, or the one at ``CONTENTSTACK_MOCK_URL``), and ``csmock_stack``, a fresh
stack for each test, deleted after it.

Installed with the wheel as a ``pytest11`` plugin; without the wheel's entry points (or
with ``-p no:contentstack_mock.pytest_plugin``) load it with
``-p contentstack_mock.pytest_plugin`` or ``pytest_plugins = ["contentstack_mock.pytest_plugin"]``.

    def test_upload(csmock_stack):
        client = contentstack_management.Client(**csmock_stack.management_client_options())
        stack = client.stack(csmock_stack.api_key)
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .kit import Mock, Stack, start_mock


@pytest.fixture(scope="session")
def csmock() -> Iterator[Mock]:
    """A contentstack-mock for the whole session; stopped (or, when attached, cleaned of the
    stacks it made) at the end."""
    mock = start_mock()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture
def csmock_stack(csmock: Mock, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A fresh stack named after the test, with a delivery token for ``development``."""
    stack = csmock.stack(request.node.name[:100])
    try:
        yield stack
    finally:
        stack.delete()
