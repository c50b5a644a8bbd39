"""The NumPy core of Backprop Lab: networks, losses, training, data.

Only NumPy and the standard library are imported here, never Qt, so teachers
can script examples in a notebook::

    from backprop_lab.core import Network, Trainer, seed_example, gradient_check

    setup = seed_example()
    trainer = Trainer(**setup)
    print(trainer.step(1))
"""

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, get_activation
from .data import (
    TASKS,
    DataError,
    Dataset,
    format_csv_text,
    parse_csv_text,
    read_csv,
    write_csv,
    write_text_atomically,
)
from .datasets import (
    DATASETS,
    FIXED_DATASETS,
    circles,
    dataset_display_name,
    gaussians,
    make_dataset,
    seed_dataset,
    sine,
    spirals,
    train_test_split,
    xor,
)
from .gradcheck import GradientCheckRow, gradient_check, max_relative_error
from .history import SnapshotHistory
from .inspect import (
    ChainRuleTerms,
    Phase,
    StepExplanation,
    chain_rule_terms,
    explain_snapshot,
    explain_step,
)
from .losses import LOSSES, get_loss
from .network import INIT_SCHEMES, NO_MISTAKES, ForwardTrace, Gradients, Mistakes, Network
from .presets import PRESETS, Preset, get_preset, seed_example
from .project_file import (
    PROJECT_FORMAT_VERSION,
    PROJECT_SUFFIX,
    Project,
    ProjectFileError,
    load_project,
    parse_project,
    save_project,
    serialise_project,
)
from .snapshot import NetworkSnapshot, ParameterRef, take_snapshot
from .step_export import export_step_for_preset, write_step_csv
from .trainer import Divergence, EpochRecord, Trainer

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "INIT_SCHEMES",
    "LOSSES",
    "NO_MISTAKES",
    "OUTPUT_ACTIVATIONS",
    "PRESETS",
    "Divergence",
    "EpochRecord",
    "ForwardTrace",
    "GradientCheckRow",
    "Gradients",
    "Mistakes",
    "Network",
    "NetworkSnapshot",
    "ParameterRef",
    "Preset",
    "Trainer",
    "get_activation",
    "get_loss",
    "get_preset",
    "gradient_check",
    "max_relative_error",
    "seed_example",
    "take_snapshot",
]

# Data, example datasets and project files.
__all__ += [
    "DATASETS",
    "FIXED_DATASETS",
    "PROJECT_FORMAT_VERSION",
    "PROJECT_SUFFIX",
    "TASKS",
    "DataError",
    "Dataset",
    "Project",
    "ProjectFileError",
    "circles",
    "dataset_display_name",
    "format_csv_text",
    "gaussians",
    "load_project",
    "make_dataset",
    "parse_csv_text",
    "parse_project",
    "read_csv",
    "save_project",
    "seed_dataset",
    "serialise_project",
    "sine",
    "spirals",
    "train_test_split",
    "write_csv",
    "write_text_atomically",
    "xor",
]

# One step of backpropagation explained, its CSV export, and the rewind history.
__all__ += [
    "ChainRuleTerms",
    "Phase",
    "SnapshotHistory",
    "StepExplanation",
    "chain_rule_terms",
    "explain_snapshot",
    "explain_step",
    "export_step_for_preset",
    "write_step_csv",
]

# What a network computes over the input plane: decision maps, unit maps, fitted curves.
from .boundary import Grid, decision_map, fitted_curve, grid_for, node_maps  # noqa: E402

__all__ += ["Grid", "decision_map", "fitted_curve", "grid_for", "node_maps"]

# Playground's datasets: above/below a curve, two moons, three classes.
from .datasets import above_abs, above_cubic, above_sine, moons, three_gaussians  # noqa: E402

__all__ += ["above_abs", "above_cubic", "above_sine", "moons", "three_gaussians"]

# Practice exercises checked against the core, and their score.
from .practice import KINDS, LEVELS, Exercise, Score, exercise_set, make_exercise  # noqa: E402

__all__ += ["KINDS", "LEVELS", "Exercise", "Score", "exercise_set", "make_exercise"]

# Issue 14: optimisers, schedules, regularisation, feature inputs, more activations.
from .features import PLAYGROUND_FEATURES, FeatureMap, feature_label  # noqa: E402
from .losses import TargetError, validate_targets  # noqa: E402
from .network import no_gradient_reason  # noqa: E402
from .optimizers import (  # noqa: E402
    OPTIMIZER_HYPERPARAMETERS,
    OPTIMIZERS,
    SCHEDULE_PARAMETERS,
    SCHEDULES,
    learning_rate_at,
)

__all__ += [
    "OPTIMIZERS",
    "OPTIMIZER_HYPERPARAMETERS",
    "PLAYGROUND_FEATURES",
    "SCHEDULES",
    "SCHEDULE_PARAMETERS",
    "FeatureMap",
    "TargetError",
    "feature_label",
    "learning_rate_at",
    "no_gradient_reason",
    "validate_targets",
]
