#!/usr/bin/env python3
"""Builds the ``contentstack-mock`` wheel around a binary that is already built: the
``contentstack_mock`` package (``start()``, the test kit, ``python -m contentstack_mock``),
its pytest plugin as a ``pytest11`` entry point, and the binary in the wheel's
``.data/scripts``, which pip puts on the PATH. Nothing is compiled.

    python3 packages/python/build_wheel.py --binary target/release/contentstack-mock --out dist

The platform tag is read off the binary on Linux (``manylinux_2_<N>_<arch>``, N the newest
glibc symbol version it needs, so the tag never claims more than the binary runs on);
give ``--platform-tag`` for other systems (``macosx_11_0_arm64``, ``macosx_10_12_x86_64``).
Only the standard library is used.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import stat
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NAME = "contentstack_mock"
DIST_NAME = "contentstack-mock"
SUMMARY = (
    "A self-hosted, API-compatible stand-in for Contentstack's asset services: "
    "run it locally, in tests and in CI, with no Rust toolchain"
)
# ELF e_machine values and the wheel's architecture names.
ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
# The pytest plugin, named by its module so that `-p contentstack_mock.pytest_plugin` and
# the entry point are one plugin, never registered twice.
ENTRY_POINTS = "[pytest11]\ncontentstack_mock.pytest_plugin = contentstack_mock.pytest_plugin\n"
# A fixed time for every file in the wheel, so the same inputs give the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def cargo_version() -> str:
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    if not match:
        sys.exit("build_wheel: no version in Cargo.toml")
    return match.group(1)


def linux_platform_tag(binary: bytes) -> str:
    """``manylinux_2_<N>_<arch>`` for an ELF binary linked against glibc."""
    if binary[:4] != b"\x7fELF":
        sys.exit("build_wheel: the binary is not ELF; give --platform-tag")
    little = binary[5] == 1
    machine = int.from_bytes(binary[18:20], "little" if little else "big")
    arch = ELF_MACHINES.get(machine)
    if arch is None:
        sys.exit(f"build_wheel: unknown ELF machine {machine:#x}; give --platform-tag")
    needed = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", binary)]
    if not needed:
        sys.exit("build_wheel: the binary needs no glibc symbols (static?); give --platform-tag")
    return f"manylinux_2_{max(needed)}_{arch}"


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def metadata(version: str) -> str:
    readme = (HERE.parent / "README.md").read_text(encoding="utf-8")
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\n"
        f"Version: {version}\n"
        f"Summary: {SUMMARY}\n"
        "License: MIT OR Apache-2.0\n"
        "Keywords: contentstack,mock,emulator,testing,cms\n"
        "Classifier: Topic :: Software Development :: Testing\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Requires-Python: >=3.8\n"
        "Description-Content-Type: text/markdown\n"
        "\n"
        f"{readme}"
    )


def build(binary_path: Path, out: Path, platform_tag: str | None) -> Path:
    binary = binary_path.read_bytes()
    version = cargo_version()
    tag = platform_tag or linux_platform_tag(binary)
    dist_info = f"{NAME}-{version}.dist-info"
    data_dir = f"{NAME}-{version}.data"
    exe = "contentstack-mock.exe" if tag.startswith("win") else "contentstack-mock"

    files: list[tuple[str, bytes, int]] = []
    for source in sorted((HERE / NAME).iterdir()):
        if source.is_file() and source.suffix in {".py", ".typed"}:
            data = source.read_bytes()
            if source.name == "__init__.py":
                data = re.sub(rb'__version__ = "[^"]*"', f'__version__ = "{version}"'.encode(), data)
            files.append((f"{NAME}/{source.name}", data, 0o644))
    files.append((f"{data_dir}/scripts/{exe}", binary, 0o755))
    files.append((f"{dist_info}/METADATA", metadata(version).encode(), 0o644))
    files.append((f"{dist_info}/entry_points.txt", ENTRY_POINTS.encode(), 0o644))
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: contentstack-mock build_wheel.py\n"
        "Root-Is-Purelib: false\n"
        f"Tag: py3-none-{tag}\n"
    )
    files.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    record_lines = [f"{name},{record_hash(data)},{len(data)}" for name, data, _ in files]
    record_lines.append(f"{dist_info}/RECORD,,")
    files.append((f"{dist_info}/RECORD", ("\n".join(record_lines) + "\n").encode(), 0o644))

    out.mkdir(parents=True, exist_ok=True)
    wheel_path = out / f"{NAME}-{version}-py3-none-{tag}.whl"
    with zipfile.ZipFile(wheel_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return wheel_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True, type=Path, help="the built contentstack-mock binary")
    parser.add_argument("--out", required=True, type=Path, help="folder for the wheel")
    parser.add_argument("--platform-tag", help="the wheel's platform tag (default: read off a Linux binary)")
    args = parser.parse_args()
    print(build(args.binary, args.out, args.platform_tag))


if __name__ == "__main__":
    main()
