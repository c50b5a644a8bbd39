"""Shared test set-up: GUI tests run headless on Qt's offscreen platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Small matrices train fastest on one BLAS thread (DESIGN.md note 10).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
