"""The PySide6 + pyqtgraph desktop app: widgets render core snapshots, never train."""
