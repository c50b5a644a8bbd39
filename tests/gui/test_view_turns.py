"""Views catch up with a snapshot one per event-loop turn, always with the newest one."""

from __future__ import annotations

from waiting import wait_views_current

from backprop_lab.core import ParameterRef
from backprop_lab.gui.view_turns import ViewTurns
from backprop_lab.gui.weight_table import format_value

TIMEOUT = 10_000


def train(qtbot, window, epochs: int):
    """Step ``epochs`` epochs; returns the snapshot the controller announced last."""
    target = window.controller.current_snapshot().epoch + epochs
    with qtbot.waitSignal(
        window.controller.snapshot_ready,
        timeout=TIMEOUT,
        check_params_cb=lambda s: s.epoch == target,
    ) as blocker:
        window.controller.step(epochs)
    return blocker.args[0]


def test_views_catch_up_in_turns_of_their_own_and_answer_for_the_newest_at_once(qtbot, main_window):
    window = main_window
    window.data_tools.plot_dock.show()
    turns: list[tuple[str, int]] = []
    for name, view in (("network", window.network_view), ("weights", window.weight_table)):
        original = view.catch_up

        def spy(name=name, view=view, original=original):
            turns.append((name, view.snapshot().epoch))
            original()

        view.catch_up = spy
    # The turns were registered before the spies: register the spies instead.
    window.view_turns._catch_ups["network"] = window.network_view.catch_up
    window.view_turns._catch_ups["weights"] = window.weight_table.catch_up
    wait_views_current(qtbot, window)
    snapshot = train(qtbot, window, 1)  # one snapshot: a round of its own
    # Right after the snapshot: the views are behind, but what they answer is new.
    assert not window.views_current()
    assert window.network_view.snapshot() is snapshot
    assert window.weight_table.snapshot() is snapshot
    ref = ParameterRef(0, 0, 0)
    assert window.weight_table.cell_text(ref) == format_value(snapshot.weights[0][0, 0])
    assert not turns  # not in the snapshot's own turn
    with qtbot.waitSignal(window.view_turns.caught_up, timeout=TIMEOUT):
        pass
    wait_views_current(qtbot, window)
    assert turns == [("network", 1), ("weights", 1)]


def test_a_newer_snapshot_supersedes_an_older_one_and_none_starves(qtbot):
    seen: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    stored = {"value": 0}
    turns = ViewTurns()
    for name in seen:
        turns.add(name, lambda name=name: seen[name].append(stored["value"]))
    turns.mark_behind()
    stored["value"] = 1
    # A few snapshots arrive while the round is under way: every view ends on the
    # newest, never draws an older one after a newer one, and each gets its turn.
    for value in (2, 3, 4):
        qtbot.waitUntil(lambda: any(seen.values()), timeout=TIMEOUT)
        stored["value"] = value
        turns.mark_behind()
    qtbot.waitUntil(turns.is_current, timeout=TIMEOUT)
    for values in seen.values():
        assert values and values[-1] == 4
        assert values == sorted(values)
    before = {name: len(values) for name, values in seen.items()}
    turns.mark_behind(["b"])
    turns.catch_up_now()
    assert turns.is_current()
    assert {name: len(values) for name, values in seen.items()} == {**before, "b": before["b"] + 1}


def test_catch_up_now_brings_every_view_up_to_date_at_once(qtbot, main_window):
    window = main_window
    snapshot = train(qtbot, window, 3)
    assert not window.views_current()
    window.catch_up_views()
    assert window.views_current() and window.view_turns.behind() == []
    assert window.network_view.snapshot() is snapshot


def test_views_out_of_sight_cost_nothing_in_their_turn(qtbot, main_window):
    window = main_window
    window.docks["weights"].hide()
    tools = window.data_tools
    tools.plot_dock.hide()
    renders = tools.plot.render_count
    train(qtbot, window, 4)
    wait_views_current(qtbot, window)
    # Stored, not drawn: the tables filled no cells, the plot computed no map.
    assert window.weight_table.refresh_pending()
    assert tools.plot.render_pending() and tools.plot.render_count == renders
    for dock in (tools.plot_dock, window.docks["weights"]):
        dock.show()
        dock.raise_()  # its tab to the front
    qtbot.waitUntil(lambda: not window.weight_table.refresh_pending(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not tools.plot.render_pending(), timeout=TIMEOUT)
