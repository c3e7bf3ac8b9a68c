"""ruff debe pasar sobre course_utils, tests, benchmarks y los cuadernos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_check_passes():
    names = ["course_utils", "tests", "notebooks", "benchmarks", "requirements", "conftest.py"]
    folders = [name for name in names if (ROOT / name).exists()]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
