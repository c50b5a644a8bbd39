"""core/limits.py: every limit documented, every integer limit fits a Qt int."""

import ast
import inspect

from backprop_lab.core import limits


def _constants() -> dict[str, object]:
    return {
        name: value
        for name, value in vars(limits).items()
        if name.isupper() and isinstance(value, (int, float))
    }


def test_every_integer_limit_fits_a_qt_int():
    for name, value in _constants().items():
        if isinstance(value, int):
            assert 0 < value <= limits.QT_INT_MAX, name


def test_every_limit_has_a_doc_comment():
    source = inspect.getsource(limits).splitlines()
    tree = ast.parse("\n".join(source))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.isupper():
                assert source[node.lineno - 2].lstrip().startswith("#:"), name


def test_ranges_are_ordered():
    assert limits.MIN_LEARNING_RATE < limits.MAX_LEARNING_RATE
    assert limits.MIN_EPOCHS_PER_SECOND < limits.MAX_EPOCHS_PER_SECOND
    assert limits.MAX_CELLS >= limits.MAX_SAMPLES
    assert limits.MAX_HISTORY_LENGTH <= limits.MAX_EPOCH
    assert limits.MAX_SEED < limits.QT_INT_MAX


def test_gui_uses_the_same_network_limits():
    from backprop_lab.gui import training

    assert training.MAX_HIDDEN_LAYERS is limits.MAX_HIDDEN_LAYERS
    assert training.MAX_LAYER_SIZE is limits.MAX_LAYER_SIZE


def test_describe():
    assert limits.describe_count(100_000) == "100,000"
    assert limits.describe_bytes(64 * 1024 * 1024) == "64 MB"
    assert limits.describe_bytes(12) == "12 bytes"
