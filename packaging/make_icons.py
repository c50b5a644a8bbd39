"""Render the app icon (resources/backprop-lab.svg) to PNG, ICO and ICNS files.

Run with the build venv's Python (it needs PySide6, nothing else):

    python packaging/make_icons.py OUT_DIR [SVG]

(SVG defaults to resources/backprop-lab.svg) writes OUT_DIR/backprop-lab-<N>.png for N in
16 .. 1024, OUT_DIR/backprop-lab.ico (Windows, PNG-compressed entries) and
OUT_DIR/backprop-lab.icns (macOS, PNG entries).
No Pillow and no network: Qt's own SVG renderer draws the icon, and the two
container formats are written here with struct, since both simply hold PNG data.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_ICON_SVG = REPO_ROOT / "resources" / "backprop-lab.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
ICNS_RETINA_1024 = b"ic10"


def render_pngs(svg_path: Path, out_dir: Path) -> dict[int, bytes]:
    """Render ``svg_path`` at every size in PNG_SIZES; return PNG bytes by size."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg_path} is not a valid SVG file")
    pngs: dict[int, bytes] = {}
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"make_icons: could not encode the {size}px PNG")
        buffer.close()
        pngs[size] = bytes(data.data())
        (out_dir / f"backprop-lab-{size}.png").write_bytes(pngs[size])
    del app
    return pngs


def write_ico(pngs: dict[int, bytes], path: Path) -> None:
    """Write a Windows .ico whose entries are PNG images (valid since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries = b""
    for size in ICO_SIZES:
        png = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    path.write_bytes(header + entries + b"".join(pngs[size] for size in ICO_SIZES))


def write_icns(pngs: dict[int, bytes], path: Path) -> None:
    """Write a macOS .icns made of PNG elements."""
    body = b""
    for size, kind in ICNS_TYPES.items():
        body += kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
    body += ICNS_RETINA_1024 + struct.pack(">I", 8 + len(pngs[1024])) + pngs[1024]
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    svg_path = Path(argv[2]) if len(argv) == 3 else APP_ICON_SVG
    if not svg_path.is_file():
        print(f"make_icons: the app icon {svg_path} is missing", file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = render_pngs(svg_path, out_dir)
    write_ico(pngs, out_dir / "backprop-lab.ico")
    write_icns(pngs, out_dir / "backprop-lab.icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
