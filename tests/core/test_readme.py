"""The README's scripting example runs as written and prints what it says."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.skipif(not README.exists(), reason="run from a source checkout")
def test_the_readme_scripting_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has no Python example"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "train_loss=0.18926530944566047" in printed
    np.testing.assert_allclose(namespace["trainer"].net.weights[2], 0.23868457, atol=1e-8)
    assert max(r.relative_error for r in namespace["rows"]) < 1e-6
