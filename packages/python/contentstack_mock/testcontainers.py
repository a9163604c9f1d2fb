"""contentstack-mock as a testcontainers-python module::

    from contentstack_mock.testcontainers import ContentstackMockContainer

    with ContentstackMockContainer() as container:
        stack = container.stack()

It runs the image with ephemeral data on port 8484, waits until ``/_mock/health``
answers, and gives the mock's URL and the kit's ``stack()``. ``testcontainers`` is
imported only when the class is first used (it is not a dependency of this package).
"""

from __future__ import annotations

from typing import Any, Optional

from .kit import Mock, Stack, wait_healthy

__all__ = ["ContentstackMockContainer", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = "ghcr.io/contentstack-mock/contentstack-mock:latest"
"""The image of docker/compose.yaml."""
PORT = 8484

_class: Optional[type] = None


def _container_class() -> type:
    global _class
    if _class is not None:
        return _class
    try:
        from testcontainers.core.container import DockerContainer
    except ImportError as error:
        raise ImportError(
            f"contentstack_mock.testcontainers needs testcontainers: pip install testcontainers ({error})"
        ) from None

    class ContentstackMockContainer(DockerContainer):
        """contentstack-mock in a container: port 8484, ephemeral data, ready once
        ``/_mock/health`` answers."""

        def __init__(
            self, image: str = DEFAULT_IMAGE, *, admin_token: Optional[str] = None, startup_timeout: float = 60.0, **kwargs: Any
        ) -> None:
            super().__init__(image, **kwargs)
            self.admin_token = admin_token
            self.startup_timeout = startup_timeout
            self.with_exposed_ports(PORT)
            self.with_env("CSMOCK_LISTEN", f"0.0.0.0:{PORT}")
            self.with_env("CSMOCK_EPHEMERAL", "true")
            if admin_token:
                self.with_env("CSMOCK_ADMIN_TOKEN", admin_token)
            self._mock: Optional[Mock] = None

        def start(self) -> "ContentstackMockContainer":
            super().start()
            mock = Mock(self.get_url(), admin_token=self.admin_token, timeout=10)
            try:
                wait_healthy(mock, self.startup_timeout)
            except ConnectionError as error:
                logs = b"".join(part or b"" for part in self.get_logs()).decode("utf-8", "replace")
                self.stop()
                raise TimeoutError(f"{error}\n{logs}") from None
            self._mock = mock
            return self

        def get_port(self) -> int:
            """The host port mapped to 8484."""
            return int(self.get_exposed_port(PORT))

        def get_url(self) -> str:
            """The mock's base URL from this machine."""
            return f"http://{self.get_container_host_ip()}:{self.get_port()}"

        @property
        def mock(self) -> Mock:
            if self._mock is None:
                raise RuntimeError("the container is not started")
            return self._mock

        def stack(self, *args: Any, **kwargs: Any) -> Stack:
            """A fresh, isolated stack (``Mock.stack``)."""
            return self.mock.stack(*args, **kwargs)

    _class = ContentstackMockContainer
    return _class


def __getattr__(name: str) -> Any:
    if name == "ContentstackMockContainer":
        return _container_class()
    raise AttributeError(name)
