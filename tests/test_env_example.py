"""`.env.example` is what a new operator copies to `.env`: it names every setting and, copied as it
is, gives a shop that starts."""
import os
import re
import subprocess
import sys
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"


def test_every_setting_config_reads_is_in_the_example():
    read = set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', (ROOT / "config.py").read_text()))
    listed = set(re.findall(r"^(?:# )?([A-Z_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    assert len(read) > 40
    assert read - listed == set()


def test_the_shop_starts_with_the_example_copied_as_its_settings():
    settings = {name: value for name, value in dotenv_values(EXAMPLE).items() if value is not None}
    environment = {name: value for name, value in os.environ.items() if name not in settings} | settings
    script = ("from storefront import create_app; app = create_app(); "
              "print(app.config['SEARCH_INDEX_DIR']); print(app.config['PHOTO_DIR']); print(app.instance_path)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert all(Path(folder).is_absolute() for folder in result.stdout.split())
