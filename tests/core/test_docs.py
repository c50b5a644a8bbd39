"""The architecture is written in the repository, and nothing cites notes outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _texts():
    for folder in ("src", "tests", "docs", "packaging"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".md", ".txt", ".toml", ".sh", ".spec"} and path.is_file():
                yield path, path.read_text(encoding="utf-8", errors="replace")
    yield ROOT / "README.md", (ROOT / "README.md").read_text(encoding="utf-8")


def test_nothing_cites_design_notes_outside_the_repository() -> None:
    forbidden = ("DESIGN" + ".md", "../" + "shared", "/work/" + "shared")
    offenders = [
        str(path.relative_to(ROOT))
        for path, text in _texts()
        if any(word in text for word in forbidden)
    ]
    assert offenders == []


def test_the_readme_links_the_architecture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    development = readme[readme.index("## Development") :]
    assert "docs/architecture.md" in development
    assert ARCHITECTURE.is_file()


def test_every_module_the_architecture_names_exists() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    package = ROOT / "src" / "backprop_lab"
    for section, folder in (("Core (", "core"), ("GUI (", "gui")):
        table = text[text.index(section) :].split("\n\n", 2)[1]
        for name in re.findall(r"`([a-z_]+(?:\.py|/))`", table):
            found = list((package / folder).rglob(name.rstrip("/")))
            assert found, f"{folder}/{name}"
