"""The seed post's example, reproduced exactly and computed correctly."""

import numpy as np
import pytest

from backprop_lab.core import Mistakes, Trainer, gradient_check, seed_example


@pytest.fixture
def seed():
    return seed_example()


def test_inputs_are_scaled_like_the_seed(seed):
    np.testing.assert_allclose(seed["X"], [[2 / 3, 1], [1 / 3, 5 / 9], [1, 4 / 9]], atol=1e-15)
    np.testing.assert_allclose(seed["T"].ravel(), np.array([2.9, 2.3, 2.5]) / 2.9, atol=1e-15)


def test_first_forward_output_and_printed_loss(seed):
    P = seed["net"].predict(seed["X"])
    np.testing.assert_allclose(P.ravel(), [0.54045105, 0.54034353, 0.54042039], atol=1e-8)
    assert seed["net"].loss(seed["X"], seed["T"], "mse") == pytest.approx(
        0.12617687296377364, abs=1e-9
    )


def test_first_epoch_record_is_the_seeds_loss_under_mse():
    setup = seed_example()
    setup["loss"] = "mse"
    record = Trainer(**setup).step(1)[0]
    assert record.epoch == 1
    assert record.train_loss == pytest.approx(0.12617687296377364, abs=1e-9)


def test_output_layer_gradient_matches_design_and_central_difference(seed):
    net = seed["net"]
    grads = net.backward(net.forward(seed["X"]), seed["T"], "half_sse")
    np.testing.assert_allclose(grads.weights[2].ravel(), [-0.138684574] * 3, atol=1e-9)
    rows = {r.name: r for r in gradient_check(net, seed["X"], seed["T"], "half_sse")}
    assert rows["w₁₁⁽³⁾"].numeric == pytest.approx(-0.138684574, abs=1e-8)


def test_one_correct_step_gives_the_design_weights():
    trainer = Trainer(**seed_example())
    trainer.step(1)
    W1, _W2, W3 = trainer.net.weights
    np.testing.assert_allclose(W3, np.full((3, 1), 0.23868457), atol=1e-8)
    np.testing.assert_allclose(W1, [[0.10032772] * 3, [0.10034179] * 3], atol=1e-8)


def test_the_seeds_two_mistakes_reproduce_its_printed_wrong_update():
    mistakes = Mistakes(derivative_of_pre_activation=True, pre_activation_in_update=True)
    trainer = Trainer(**seed_example(), mistakes=mistakes)
    trainer.step(1)
    W1, W2, W3 = trainer.net.weights
    np.testing.assert_allclose(W3, np.full((3, 1), 0.14122566), atol=1e-8)
    np.testing.assert_allclose(W2, np.full((3, 3), 0.1004883), atol=1e-7)
    np.testing.assert_allclose(W1, [[0.10008983] * 3, [0.10009367] * 3], atol=1e-8)


def test_constant_initialisation_keeps_hidden_units_identical():
    trainer = Trainer(**seed_example())
    trainer.step(200)
    for W in trainer.net.weights:
        assert np.allclose(W, W[:, :1]), "columns of a constant-initialised layer stay equal"
