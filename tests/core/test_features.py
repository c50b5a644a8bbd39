"""Feature inputs are part of the network: the data stays raw, gradients stay right."""

import numpy as np
import pytest

from backprop_lab.core import Network, Trainer, gradient_check
from backprop_lab.core.features import (
    PLAYGROUND_FEATURES,
    FeatureError,
    FeatureMap,
    feature_label,
)


def test_the_seven_playground_features():
    X = np.array([[0.5, -2.0], [1.5, 3.0]])
    Phi = FeatureMap(PLAYGROUND_FEATURES, 2).transform(X)
    x1, x2 = X[:, 0], X[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(Phi, expected)
    labels = [feature_label(n) for n in PLAYGROUND_FEATURES]
    assert labels == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]


def test_general_feature_names_and_errors():
    fmap = FeatureMap(["x3_sq", "x1_x3", "sin_x2"])
    assert fmap.n_inputs == 3
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        fmap.transform(X), np.column_stack([X[:, 2] ** 2, X[:, 0] * X[:, 2], np.sin(X[:, 1])])
    )
    with pytest.raises(FeatureError, match="unknown feature"):
        FeatureMap(["cos_x1"])
    with pytest.raises(FeatureError, match="i < j"):
        FeatureMap(["x2_x1"])
    with pytest.raises(FeatureError, match="once"):
        FeatureMap(["x1", "x1"])
    with pytest.raises(FeatureError, match="column 3"):
        FeatureMap(["x3"], n_inputs=2)


def test_network_with_features_takes_raw_data_and_checks_gradients():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(30, 2))
    T = (X[:, :1] ** 2 + X[:, 1:] ** 2 < 0.5).astype(float)
    net = Network([5, 4, 1], ["tanh", "sigmoid"], features=PLAYGROUND_FEATURES[:5], n_inputs=2)
    assert net.n_inputs == 2 and net.layer_sizes[0] == 5
    assert net.input_labels() == ("x₁", "x₂", "x₁²", "x₂²", "x₁x₂")
    trace = net.forward(X)
    np.testing.assert_array_equal(trace.raw_inputs, X)
    assert trace.inputs.shape == (30, 5)
    assert all(r.passed() for r in gradient_check(net, X[:6], T[:6], "cross_entropy"))
    trainer = Trainer(net, X, T, learning_rate=1.0, loss="cross_entropy")
    np.testing.assert_array_equal(trainer.X, X)  # the data stays as it is
    records = trainer.step(300)
    assert records[-1].train_loss < 0.5 * records[0].train_loss
    # Round trip through to_dict/from_dict and copy keep the features.
    again = Network.from_dict(net.to_dict())
    assert again.features == net.features and again.n_inputs == 2
    np.testing.assert_array_equal(again.predict(X), net.predict(X))
    np.testing.assert_array_equal(net.copy().predict(X), net.predict(X))


def test_features_need_a_matching_input_layer():
    with pytest.raises(ValueError, match="input layer of 3 nodes"):
        Network([2, 1], "sigmoid", features=["x1", "x2", "x1_sq"])
    with pytest.raises(ValueError, match="n_inputs"):
        Network([2, 1], "sigmoid", n_inputs=3)
    net = Network([1, 1], "sigmoid", features=["x2_sq"], n_inputs=2)
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        net.predict(np.zeros((3, 1)))
