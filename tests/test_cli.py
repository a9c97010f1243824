import subprocess
import sys

from crosswire import __version__


def test_version_is_printed():
    out = subprocess.run([sys.executable, "-m", "crosswire", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip() == f"crosswire {__version__}"
