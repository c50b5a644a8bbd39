"""Network settings: optimiser, hyperparameters, schedule, L1/L2, feature inputs, activations."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from backprop_lab.core.project_file import parse_project, serialise_project

TIMEOUT = 10_000


@pytest.fixture
def panel(main_window):
    dock = main_window.docks["settings"]
    dock.show()
    dock.raise_()
    QApplication.processEvents()
    return main_window.settings_panel


def messages(panel):
    seen = []
    panel.message_posted.connect(seen.append)
    return seen


def visible_rows(panel):
    form = panel._form
    return {
        name
        for name, box in {**panel._hyper_boxes, "epsilon": panel.epsilon_box}.items()
        if form.isRowVisible(box)
    }


def test_choosing_an_optimiser_shows_its_hyperparameters_and_applies(panel, main_window):
    controller = main_window.controller
    assert visible_rows(panel) == set()  # plain gradient descent has none
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("adam"))
    assert controller.settings()["optimizer"] == "adam"
    assert visible_rows(panel) == {"beta1", "beta2", "epsilon"}
    panel._hyper_boxes["beta1"].setValue(0.8)
    assert controller.settings()["beta1"] == 0.8
    assert controller.explain_next_step().optimizer == "adam"
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("nesterov"))
    assert visible_rows(panel) == {"momentum"}
    assert controller.settings()["momentum"] == 0.9  # a usable start, not 0
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("rmsprop"))
    assert visible_rows(panel) == {"rho", "epsilon"}
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("sgd"))
    assert controller.settings()["optimizer"] == "sgd"
    assert visible_rows(panel) == set()


def test_choosing_sgd_with_momentum_set_trains_plain_sgd(qtbot, panel, main_window):
    # Choosing SGD while μ = 0.9 used to give momentum back; now the choice is what trains.
    controller = main_window.controller
    main_window.example_actions["spirals"].trigger()  # an example with momentum 0.9
    assert controller.settings()["optimizer"] == "momentum"
    assert panel.optimizer_box.currentData() == "momentum"
    assert visible_rows(panel) == {"momentum"}
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("sgd"))
    assert controller.settings()["optimizer"] == "sgd"
    assert panel.optimizer_box.currentData() == "sgd"
    assert visible_rows(panel) == set()  # μ only applies to momentum and Nesterov
    explanation = controller.explain_next_step()
    assert explanation.optimizer == "sgd" and explanation.state_before == {}
    controller.update_settings(momentum=0.3)  # only stores μ
    assert controller.settings()["optimizer"] == "sgd"
    # μ is kept for when momentum is chosen again.
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("momentum"))
    assert controller.settings()["momentum"] == 0.3
    assert panel.momentum_box.value() == 0.3
    # The scripting call set_momentum(μ > 0) on plain SGD asks for momentum, as it always did.
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("sgd"))
    controller.set_momentum(0.5)
    assert controller.settings()["optimizer"] == "momentum"
    qtbot.waitUntil(lambda: panel.optimizer_box.currentData() == "momentum", timeout=TIMEOUT)


def test_a_bad_epsilon_is_refused_with_a_reason_and_put_back(panel, main_window):
    seen = messages(panel)
    panel.optimizer_box.setCurrentIndex(panel.optimizer_box.findData("adam"))
    for text in ("abc", "5"):
        panel.epsilon_box.setText(text)
        panel.epsilon_box.editingFinished.emit()
        assert "ε" in seen[-1] or "epsilon" in seen[-1]
        assert panel.epsilon_box.text() == "1e-08"
    panel.epsilon_box.setText("1e-6")
    panel.epsilon_box.editingFinished.emit()
    assert main_window.controller.settings()["epsilon"] == 1e-6


def test_schedule_and_regularisation_apply_and_are_saved(panel, main_window):
    controller = main_window.controller
    panel.schedule_box.setCurrentIndex(panel.schedule_box.findData("step"))
    assert panel._form.isRowVisible(panel.lr_every_box)
    assert not panel._form.isRowVisible(panel.lr_decay_box)
    panel.lr_every_box.setValue(10)
    panel.lr_drop_box.setValue(0.25)
    panel.l1_box.setValue(0.001)
    panel.l2_box.setValue(0.01)
    settings = controller.settings()
    assert (settings["lr_schedule"], settings["lr_every"], settings["lr_drop"]) == (
        "step",
        10,
        0.25,
    )
    assert (settings["l1"], settings["l2"]) == (0.001, 0.01)
    explanation = controller.explain_next_step()
    assert (explanation.l1, explanation.l2, explanation.schedule) == (0.001, 0.01, "step")
    project = parse_project(serialise_project(controller.session.to_project()))
    saved = project.settings
    assert (saved["lr_every"], saved["l1"], saved["l2"]) == (10, 0.001, 0.01)


def test_feature_inputs_become_input_nodes(qtbot, panel, main_window):
    main_window.example_actions["circles"].trigger()
    assert all(box.isEnabled() for box in panel.feature_checks.values())
    panel.feature_checks["x1_sq"].setChecked(True)
    panel.feature_checks["x2_sq"].setChecked(True)
    panel.feature_checks["x1"].setChecked(False)
    panel.feature_checks["x2"].setChecked(False)
    assert panel.chosen_features() == ["x1_sq", "x2_sq"]
    assert panel.apply_architecture()
    snapshot = main_window.controller.live_snapshot()
    assert snapshot.layer_sizes[0] == 2 and tuple(snapshot.features) == ("x1_sq", "x2_sq")
    net = main_window.controller.current_network()
    train, _test = main_window.controller.dataset()
    np.testing.assert_allclose(net.input_features(train.inputs), train.inputs**2)
    assert main_window.controller.settings()["features"] == ["x1_sq", "x2_sq"]
    # The input nodes carry the features' names.
    assert main_window.network_view.names()[0] == ["x₁²", "x₂²"]
    # The data plot's map is the featured network's own prediction over the plane.
    plot = main_window.data_tools.plot
    plot.flush()
    values = plot.heatmap_values()
    assert values is not None
    expected = net.predict(plot._grid.points)[:, 0].reshape(values.shape)
    np.testing.assert_allclose(values, expected, atol=1e-6)
    # Only x1 and x2 ticked is the data as it is.
    for name, box in panel.feature_checks.items():
        box.setChecked(name in ("x1", "x2"))
    assert panel.chosen_features() is None


def test_features_are_offered_for_two_inputs_only(panel, main_window):
    main_window.example_actions["sine"].trigger()
    assert not any(box.isEnabled() for box in panel.feature_checks.values())
    assert panel.chosen_features() is None


def test_new_activations_per_layer(panel, main_window):
    panel.layer_count_box.setValue(2)
    _label, _size, first = panel._layer_rows[0]
    _label, _size, second = panel._layer_rows[1]
    first.setCurrentIndex(first.findData("elu"))
    second.setCurrentIndex(second.findData("gaussian"))
    panel.output_activation_box.setCurrentIndex(panel.output_activation_box.findData("softplus"))
    assert panel.apply_architecture()
    assert main_window.controller.live_snapshot().activations == ("elu", "gaussian", "softplus")
    assert first.itemText(first.findData("leaky_relu")) == "leaky ReLU"


def test_a_step_activation_says_nothing_can_learn(qtbot, panel, main_window):
    seen = messages(panel)
    _label, _size, first = panel._layer_rows[0]
    first.setCurrentIndex(first.findData("step"))
    assert panel.apply_architecture()
    assert panel.gradient_warning.isVisible() or not panel.gradient_warning.isHidden()
    assert "step" in panel.gradient_warning.text().lower()
    assert "step" in seen[-1].lower()
    before = main_window.controller.live_snapshot().weights[0].copy()
    main_window.controller.step(3)
    qtbot.waitUntil(lambda: main_window.controller.live_snapshot().epoch == 3, timeout=TIMEOUT)
    # The layer before the step units never changes: no gradient reaches it.
    np.testing.assert_array_equal(main_window.controller.live_snapshot().weights[0], before)
    check = main_window.inspector.gradient_check
    check.run_check()
    assert "step" in check.detail_text().lower()
    assert check.rows() and all(row.analytic == 0.0 for row in check.rows() if "⁽¹⁾" in row.name)
