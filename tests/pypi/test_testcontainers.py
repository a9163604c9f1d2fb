"""The testcontainers-python module from the installed wheel, against a real engine: the
image the test command built (CSMOCK_TEST_IMAGE, set by tests/pypi/run.sh)."""

import os
import urllib.request

import contentstack_management
import pytest

from contentstack_mock.testcontainers import DEFAULT_IMAGE, ContentstackMockContainer


@pytest.fixture(scope="module")
def container():
    image = os.environ.get("CSMOCK_TEST_IMAGE")
    assert image, "CSMOCK_TEST_IMAGE names the image to test (tests/pypi/run.sh builds it)"
    with ContentstackMockContainer(image) as started:
        yield started


def test_the_default_image_is_the_one_of_the_compose_file():
    assert DEFAULT_IMAGE == "ghcr.io/contentstack-mock/contentstack-mock:latest"


def test_the_container_is_healthy_at_its_url(container):
    assert container.get_url() == f"http://{container.get_container_host_ip()}:{container.get_port()}"
    assert container.mock.health()["status"] == "ok"


def test_a_stack_in_the_container_takes_an_upload_from_the_official_sdk(container, tmp_path):
    stack = container.stack("in a container")
    try:
        client = contentstack_management.Client(**stack.management_client_options())
        file = tmp_path / "box.txt"
        file.write_bytes(b"bytes in a container")
        answer = client.stack(stack.api_key).assets().upload(str(file))
        assert answer.status_code == 201, answer.text
        url = answer.json()["asset"]["url"]
        assert url.startswith(f"{container.get_url()}/v3/assets/{stack.api_key}/")
        with urllib.request.urlopen(url) as download:
            assert download.read() == b"bytes in a container"
        assert stack.clock.advance(days=1)["offset_seconds"] == 86400
    finally:
        stack.delete()
