"""Shared test set-up: GUI tests run headless on Qt's offscreen platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The event dispatcher the app uses (see backprop_lab.gui.app._make_application).
os.environ.setdefault("QT_NO_GLIB", "1")
# Small matrices train fastest on one BLAS thread (DESIGN.md note 10).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
