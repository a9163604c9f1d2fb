"""``python -m contentstack_mock [flags]``: runs the binary with the same arguments."""

import os
import subprocess
import sys

from . import StartError, binary_path


def main() -> int:
    try:
        binary = binary_path()
    except StartError as error:
        print(error, file=sys.stderr)
        return 1
    if os.name == "nt":
        return subprocess.call([binary, *sys.argv[1:]])
    os.execv(binary, [binary, *sys.argv[1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
