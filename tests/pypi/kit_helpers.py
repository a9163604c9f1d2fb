"""What the kit's test files share: the official management SDK on a kit stack, and an
upload through it."""

import contentstack_management


def sdk(stack):
    """The official management SDK on a kit stack (one client per stack: the SDK keeps
    the api_key in the client's shared headers)."""
    return contentstack_management.Client(**stack.management_client_options()).stack(stack.api_key)


def upload(stack, tmp_path, name, text=None):
    """Uploads a small text file through the SDK; returns the asset."""
    file = tmp_path / name
    file.write_text(text or f"the bytes of {name}")
    answer = sdk(stack).assets().upload(str(file))
    assert answer.status_code == 201, answer.text
    return answer.json()["asset"]
