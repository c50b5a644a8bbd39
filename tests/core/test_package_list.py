"""Every Python package under src/ is listed in pyproject.toml, so a built wheel ships it.

pyproject.toml lists its packages by hand (resources/ is mapped into the package),
so a new sub-package that is not listed would work from a checkout and be missing
from every installed copy and installer.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is new in Python 3.11")
def test_every_package_under_src_is_in_pyproject():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    found = {".".join(init.parent.relative_to(src).parts) for init in src.rglob("__init__.py")}
    assert found - listed == set(), "add these packages to pyproject.toml"
