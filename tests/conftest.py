"""Shared test set-up: GUI tests run headless on Qt's offscreen platform."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The event dispatcher the app uses (see backprop_lab.gui.app._make_application).
os.environ.setdefault("QT_NO_GLIB", "1")
# Small matrices train fastest on one BLAS thread (docs/architecture.md, Threads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Hypothesis runs with one fixed profile everywhere (CI and a developer's machine):
# derandomised, so every run draws the same examples and a failure reproduces, and
# with no example database, so nothing is written into the checkout and no stale
# failure is replayed. HYPOTHESIS_PROFILE=explore draws new random examples.
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis also keeps caches (constants, unicode tables) in its home folder,
# ./.hypothesis by default: keep them out of the checkout too.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "backprop-lab-hypothesis"))

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
