"""Replaces pyinstaller-hooks-contrib's pyqtgraph hook: the same collection (the generated
*Template modules it imports by name, its data files, the multiprocess bootstrap) but it
never walks into the packages the spec excludes, so the build neither imports
pyqtgraph.opengl (which needs PyOpenGL) nor warns about their missing templates."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

SKIPPED_PACKAGES = (
    "pyqtgraph.examples",
    "pyqtgraph.opengl",
    "pyqtgraph.jupyter",
    "pyqtgraph.flowchart",
    "pyqtgraph.canvas",
    "pyqtgraph.console",
)


def _wanted(module_name: str) -> bool:
    return not any(
        module_name == package or module_name.startswith(package + ".")
        for package in SKIPPED_PACKAGES
    )


datas = collect_data_files(
    "pyqtgraph",
    excludes=[f"{package.split('.', 1)[1]}/**" for package in SKIPPED_PACKAGES],
)
hiddenimports = [
    name for name in collect_submodules("pyqtgraph", filter=_wanted) if "Template" in name
]
hiddenimports += ["pyqtgraph.multiprocess.bootstrap"]
excludedimports = ["PyQt5", "PyQt6", "PySide2"]
