"""Run this script with the pinned venv's python (.build-nwc/venv), whatever python3 started it. Stdlib only."""

import os
import sys
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parents[2] / ".build-nwc" / "venv" / "bin" / "python"


def in_nwc_venv():
    if Path(sys.prefix).resolve() == VENV_PYTHON.parent.parent.resolve():
        return
    if not VENV_PYTHON.exists():
        print(f"nwc: {VENV_PYTHON} is missing: run tools/nwc/install.sh", file=sys.stderr)
        sys.exit(1)
    script = Path(sys.argv[0]).resolve()
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(script), *sys.argv[1:]])
