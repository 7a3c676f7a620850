"""Start script of the bundle: `tokenworth` is the command line, `tokenworth-gui` the window."""

import multiprocessing
import sys
from pathlib import Path


def main() -> int:
    """Dispatch on the executable's name; returns the exit code."""
    # Large imports parse in worker processes; a frozen app must let them start this way.
    multiprocessing.freeze_support()
    if Path(sys.executable).stem.lower().endswith("-gui"):
        # The windowed executable (Windows, no console): the window's own options only.
        from tokenworth.app import main as gui_main

        return gui_main()
    from tokenworth.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
