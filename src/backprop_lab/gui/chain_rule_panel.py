"""The chain rule for one weight or bias, in the seed post's notation, with the numbers in place.

Select a weight (on the network view or in the weight table) and the panel
writes, per sample and summed over the batch, e.g.::

    ∂E/∂w_kj(2) = δ_k(2) · h(a_j(1)) = −0.0347 × 0.5413 = −0.0188

and for deeper layers the delta as the sum over the next layer's deltas, term
by term. Every number comes from :func:`backprop_lab.core.inspect.chain_rule_terms`.
"""

from __future__ import annotations

import html
import math
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.inspect import ChainRuleTerms, StepExplanation, chain_rule_terms
from backprop_lab.core.naming import parameter_name, sample_label
from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui import load_progress
from backprop_lab.gui.phase_stepper import (
    _explanation_inputs,
    explain_current,
    explain_job,
    explain_work,
    format_number,
    sample_labels,
)
from backprop_lab.gui.sample_chooser import SampleChooser
from backprop_lab.gui.steady import call_when_shown, is_shown
from backprop_lab.gui.training.background import BackgroundRunner

#: The letter of each layer's unit index, input first (the seed uses i, j, k).
UNIT_LETTERS = "ijkmpqrsuv"

#: While training runs, the equations are recomputed at most this often (seconds),
#: and at most REFRESH_SHARE of the time: a big network's next step takes the worker
#: (and the waiting GUI thread) a second or more to explain.
RUNNING_REFRESH_SECONDS = 0.5
REFRESH_SHARE = 0.1

#: The most samples written out one by one (choose a sample to see any other).
MAX_SAMPLES_SHOWN = 8

#: The line above the old equations while a big step's new numbers are computed.
COMPUTING_TEXT = "Computing the next step's numbers…"


def _explained_terms(job, ref: ParameterRef, sample: int | None):
    """On the background thread: the explanation (``job()``) and ``ref``'s terms, or
    the reason they cannot be had. Touches no widget."""
    try:
        explanation = job()
        terms = chain_rule_terms(explanation, ref, sample, max_samples=MAX_SAMPLES_SHOWN)
    except ValueError as exc:
        return None, None, str(exc)
    return explanation, terms, None


STYLE = """
<style>
  body { font-family: sans-serif; }
  .eq { font-family: serif; font-size: 115%; margin: 2px 0 2px 12px; }
  .num { font-family: monospace; }
  .mistake { color: #b00020; }
  .caveat { color: #8a5a00; }
  .note { color: #666666; }
  .total { font-weight: bold; }
  h3 { margin-bottom: 2px; }
  table.terms td { padding: 0 8px; font-family: monospace; text-align: right; }
  table.terms th { padding: 0 8px; font-weight: normal; }
</style>
"""


def letter(layer: int) -> str:
    """The unit-index letter of ``layer`` (0 = inputs)."""
    return UNIT_LETTERS[layer] if layer < len(UNIT_LETTERS) else f"u{layer}"


_SUB = str.maketrans("0123456789,ijkmprsuv", "₀₁₂₃₄₅₆₇₈₉,ᵢⱼₖₘₚᵣₛᵤᵥ")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _sup(layer: int) -> str:
    return f"({layer})".translate(_SUP)


def _sub(text: str) -> str:
    return text.translate(_SUB)


class Notation:
    """Symbols of the seed post for one network, spelled as the core spells them.

    Units count from 1; a lone output unit has no index (``δ⁽³⁾``), as in
    :mod:`backprop_lab.core.inspect`; weights always carry both indices, target
    first, like :func:`~backprop_lab.core.naming.parameter_name` (``w₁₂⁽³⁾``).
    """

    def __init__(self, layer_sizes) -> None:
        self.sizes = list(layer_sizes)
        self.L = len(self.sizes) - 1

    def index(self, layer: int, unit: int | None) -> str:
        """Subscript: a letter (unit None) or a 1-based number; none for a lone output."""
        if layer == self.L and self.sizes[layer] == 1:
            return ""
        return _sub(letter(layer) if unit is None else str(unit + 1))

    def _weight_index(self, layer: int, unit: int | None) -> str:
        if unit is None:
            return "1" if layer == self.L and self.sizes[layer] == 1 else letter(layer)
        return str(unit + 1)

    def a(self, layer: int, unit: int | None) -> str:
        return f"a{self.index(layer, unit)}{_sup(layer)}"

    def h(self, layer: int, unit: int | None) -> str:
        """h(a_j(l)), or x_i for the input layer."""
        if layer == 0:
            return f"x{self.index(0, unit)}"
        return f"h({self.a(layer, unit)})"

    def delta(self, layer: int, unit: int | None) -> str:
        return f"δ{self.index(layer, unit)}{_sup(layer)}"

    def w(self, layer: int, target: int | None, source: int | None) -> str:
        """w_kj(l): ``target`` in ``layer``, ``source`` in ``layer - 1`` (both indices)."""
        t = self._weight_index(layer, target)
        s = self._weight_index(layer - 1, source)
        sep = "," if len(t) > 1 or (len(s) > 1 and t.isdigit() and s.isdigit()) else ""
        return f"w{_sub(t + sep + s)}{_sup(layer)}"

    def b(self, layer: int, target: int | None) -> str:
        t = self._weight_index(layer, target)
        return f"b{_sub(t)}{_sup(layer)}"


def _n(value: float, digits: int) -> str:
    return f'<span class="num">{html.escape(format_number(value, digits))}</span>'


def _eq(equation, digits: int, cls: str = "eq") -> str:
    """An Equation of the core: its formula, then its numbers (one line each)."""
    formula = html.escape(equation.formula)
    numbers = html.escape(equation.substituted(digits))
    note = (
        f' &nbsp;<small class="note">({html.escape(equation.note)})</small>'
        if equation.note
        else ""
    )
    if numbers == formula:
        return f'<p class="{cls}">{formula}{note}</p>'
    return f'<p class="{cls}">{formula}{note}</p><p class="{cls} num">&nbsp;&nbsp;{numbers}</p>'


#: The general form of the output δ for each kind of explanation the core gives.
_OUTPUT_DELTA_FORMS = {
    "simplified": "δ = (P − t) / N",
    "product": "δ = ∂E/∂P · h′(a)",
    "softmax_jacobian": "δ<sub>k</sub> = P<sub>k</sub> (g<sub>k</sub> − Σ<sub>j</sub> "
    "g<sub>j</sub> P<sub>j</sub>), g = ∂E/∂P",
}


def render_chain_rule(terms: ChainRuleTerms, explanation: StepExplanation, digits: int = 4) -> str:
    """The panel's HTML for one parameter: every number is the core's (see core.inspect)."""
    ref = terms.ref
    m = terms.layer
    N = Notation(explanation.layer_sizes)
    t_unit = ref.target
    s_unit = ref.source
    mistakes = terms.mistakes
    parts = [STYLE]
    # ---- heading: the one name of the parameter, and where it sits
    symbol = html.escape(terms.name or parameter_name(ref))
    general = N.b(m, None) if ref.is_bias else N.w(m, None, None)
    parts.append(f"<h3>{symbol} &nbsp;<small>({html.escape(terms.description)})</small></h3>")
    parts.append(
        "<p><small>Everything is counted from 1 as in the post: w<sub>kj</sub><sup>(l)</sup> "
        "is the weight into unit k of layer l from unit j of layer l − 1; samples are "
        "1 to N.</small></p>"
    )
    if terms.caveat:
        parts.append(f'<p class="caveat">{html.escape(terms.caveat)}</p>')
    if explanation.divergence:
        parts.append(f'<p class="mistake">{html.escape(explanation.divergence)}</p>')
    # ---- the general equations
    if terms.factor_kind == "bias":
        factor_symbol = "1"
    elif terms.factor_kind == "pre_activation":
        factor_symbol = N.a(m - 1, None)
    else:
        factor_symbol = N.h(m - 1, None)
    grad_general = f"∂E/∂{general} = Σ<sub>n</sub> {N.delta(m, None)}"
    grad_general += "" if terms.factor_kind == "bias" else f" · {factor_symbol}"
    parts.append(f'<p class="eq">{grad_general}</p>')
    first = terms.samples[0].delta_explanation if terms.samples else None
    if terms.is_output_layer:
        if first is not None and first.text:  # the form that applies, and why
            parts.append(f'<p class="eq">{html.escape(first.text)}</p>')
        else:
            form = _OUTPUT_DELTA_FORMS.get(first.kind if first else "", "δ = ∂E/∂P · h′(a)")
            parts.append(f'<p class="eq">{form}</p>')
    else:
        nxt = letter(m + 1) if not (m + 1 == N.L and N.sizes[-1] == 1) else ""
        sum_index = f"<sub>{nxt}</sub>" if nxt else ""
        parts.append(
            f'<p class="eq">{N.delta(m, None)} = h′({N.a(m, None)}) · '
            f"Σ{sum_index} {N.delta(m + 1, None)} {N.w(m + 1, None, None)}</p>"
        )
    if mistakes.derivative_of_pre_activation and not terms.is_output_layer:
        parts.append(
            '<p class="mistake">Mistake (a) is on: h′ is computed from the pre-activation '
            "a instead of the output h(a) (for the sigmoid a·(1 − a) instead of h·(1 − h)).</p>"
        )
    if terms.factor_kind == "pre_activation":
        parts.append(
            '<p class="mistake">Mistake (b) is on: the delta is multiplied by the '
            f"pre-activation {N.a(m - 1, s_unit)} instead of {N.h(m - 1, s_unit)}.</p>"
        )
    # ---- per sample
    samples = terms.samples
    shown = samples[:MAX_SAMPLES_SHOWN]
    n_samples = max(terms.n_samples, len(samples))
    for s in shown:
        parts.append(f"<p><b>{html.escape(sample_label(s.sample).capitalize())}</b></p>")
        d_sym = N.delta(m, t_unit)
        if s.delta_explanation is not None:
            for equation in s.delta_explanation.equations:
                parts.append(_eq(equation, digits))
        else:  # pragma: no cover - the core always explains the delta
            parts.append(f'<p class="eq">{d_sym} = {_n(s.delta, digits)}</p>')
        if terms.factor_kind == "bias":
            parts.append(
                f'<p class="eq">∂E<sub>n</sub>/∂{symbol} = {d_sym} = {_n(s.gradient, digits)}</p>'
            )
        else:
            if terms.factor_kind == "pre_activation":
                f_sym = N.a(m - 1, s_unit)
            elif m == 1 and explanation.input_labels is not None:
                f_sym = html.escape(str(explanation.input_labels[s_unit]))
            else:
                f_sym = N.h(m - 1, s_unit)
            parts.append(
                f'<p class="eq">∂E<sub>n</sub>/∂{symbol} = {d_sym} · {f_sym} = '
                f"{_n(s.delta, digits)} × {_n(s.factor, digits)} = "
                f"{_n(s.gradient, digits)}</p>"
            )
    if terms.sample is None and n_samples > len(shown):
        parts.append(
            f"<p><i>… and {n_samples - len(shown)} more samples (choose one above to see it)."
            "</i></p>"
        )
    # ---- total and the optimiser's update
    if explanation.sample is not None or len(explanation.sample_indices) == 1:
        over = f"for {sample_label(explanation.sample_indices[0])}"
    elif explanation.n_updates > 1:
        over = f"summed over the {n_samples} samples of the first minibatch"
    else:
        over = f"summed over the {n_samples} samples"
    penalty = terms.penalty_gradient
    data_part = "" if not penalty else " of the data loss"
    parts.append(
        f'<p class="eq total">∂E/∂{symbol}{data_part} = {_n(terms.data_gradient, digits)} '
        f"&nbsp;<small>({over})</small></p>"
    )
    update = terms.update_explanation
    if update is not None:
        parts.append(f"<p><b>The update: {html.escape(update.label)}</b></p>")
        for equation in update.equations:
            parts.append(_eq(equation, digits))
        if explanation.n_updates > 1:
            parts.append(
                f'<p class="eq total">After the whole Step ({explanation.n_updates} updates): '
                f"{symbol} = {_n(update.epoch_end_value, digits)}</p>"
            )
    else:  # pragma: no cover - the core always explains the update
        parts.append(
            f'<p class="eq">{symbol} ← {_n(terms.value, digits)} − '
            f"{explanation.learning_rate:g} × {_n(terms.total, digits)} = "
            f"{_n(terms.new_value, digits)}</p>"
        )
    return "".join(parts)


class ChainRulePanel(QWidget):
    """Shows the chain rule with numbers for the selected weight or bias.

    Parameters
    ----------
    controller
        The training controller: the numbers are those of the step its current
        network would take (with its current mistakes).
    """

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._ref: ParameterRef | None = None
        self._terms: ChainRuleTerms | None = None
        # Above PAGE_SIZE samples the list holds a page of them (and says so).
        self._samples = SampleChooser(
            lambda n: f"every sample, and the sum ({n})",
            lambda start, stop: sample_labels(self._controller, start, stop),
        )
        self._sample_combo = self._samples.combo
        self._sample_combo.setToolTip("Write out every sample (and the sum), or one sample")
        self._digits = QSpinBox()
        self._digits.setRange(2, 12)
        self._digits.setValue(4)
        self._digits.setSuffix(" digits")
        self._digits.setToolTip("Significant digits of the numbers shown")
        self._browser = QTextBrowser()
        self._browser.setOpenLinks(False)
        self._message = QLabel()
        self._message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Samples:"))
        top.addWidget(self._samples, 1)
        top.addWidget(self._digits)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._samples.page_row)
        layout.addWidget(self._browser, 1)
        layout.addWidget(self._message)
        self._samples.sample_changed.connect(lambda _sample: self.refresh())
        self._digits.valueChanged.connect(lambda _v: self.refresh())
        self._stale = False
        self._last_refresh = -math.inf
        #: How long the last refresh took (seconds).
        self._refresh_seconds = 0.0
        #: A big step's numbers are computed off the GUI thread (latest wins); what
        #: they were asked for, and whether to ask again when they arrive.
        self._runner = BackgroundRunner(self)
        self._runner.finished.connect(self._on_answer)
        self._asked: tuple | None = None
        self._asked_epoch = 0
        self._ask_again = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(
            lambda: self.refresh() if self._ref is not None and is_shown(self) else None
        )
        call_when_shown(self, self._on_shown)
        controller.snapshot_ready.connect(self._on_snapshot)
        controller.network_reset.connect(self._on_reset)
        data_changed = getattr(controller, "data_changed", None)
        #: Whether new data is announced on its own (else a network reset may bring it).
        self._hears_data = data_changed is not None
        if data_changed is not None:
            data_changed.connect(lambda _payload: self._refresh_samples())
        settings_changed = getattr(controller, "settings_changed", None)
        if settings_changed is not None:
            settings_changed.connect(lambda _payload: self.refresh())
        self._refresh_samples()
        self._show_placeholder()

    # ----------------------------------------------------------------- API
    def show_parameter(self, ref: ParameterRef | None) -> None:
        """Explain ``ref`` (None clears the panel)."""
        self._ref = ref
        self.refresh()

    def parameter(self) -> ParameterRef | None:
        return self._ref

    def terms(self) -> ChainRuleTerms | None:
        """The numbers shown now."""
        return self._terms

    def set_digits(self, digits: int) -> None:
        self._digits.setValue(int(digits))

    def set_sample(self, sample: int | None) -> None:
        self._samples.set_sample(sample)

    def running_refresh_interval(self) -> float:
        """Seconds between refreshes while training runs: RUNNING_REFRESH_SECONDS, or
        longer when a refresh takes more than REFRESH_SHARE of that."""
        return max(RUNNING_REFRESH_SECONDS, self._refresh_seconds / REFRESH_SHARE)

    def message_text(self) -> str:
        """The line above the equations (which network they are for)."""
        return self._message.text()

    def html(self) -> str:
        return self._browser.toHtml()

    def plain_text(self) -> str:
        return self._browser.toPlainText()

    def is_computing(self) -> bool:
        """True while a big step's numbers are computed off the GUI thread."""
        return self._asked is not None

    def refresh(self) -> None:
        """Recompute the numbers for the current network, data and mistakes.

        A big step (``load_progress.OFF_THREAD_WORK``) is explained off the GUI
        thread: the old numbers stay, the line above them says they are being
        computed, and the new ones are shown when they arrive, unless the network,
        data, settings, weight or sample changed meanwhile (then they are asked
        for again). A small step is computed here, at once, as always.
        """
        if self._ref is not None and self._asked is not None:
            self._ask_again = True  # once the numbers on the way have arrived
            return
        self._stale = False
        self._refresh_timer.stop()
        self._last_refresh = time.perf_counter()
        if self._ref is None:
            self._drop_answer()
            self._show_placeholder()
            return
        if explain_work(self._controller) >= load_progress.OFF_THREAD_WORK and hasattr(
            self._controller, "request_next_step_explanation"
        ):
            self._ask()
            return
        try:
            explanation = explain_current(self._controller)
            # Only the samples written out are explained one by one (the total is the batch's).
            terms = chain_rule_terms(
                explanation, self._ref, self._samples.chosen(), max_samples=MAX_SAMPLES_SHOWN
            )
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._show_terms(explanation, terms, self._controller.current_snapshot().epoch)
        self._refresh_seconds = time.perf_counter() - self._last_refresh

    def _asking_for(self) -> tuple:
        """What numbers asked now would be for; an answer for anything else is outdated.
        While training runs, the next step of any epoch since is fine to show."""
        controller = self._controller
        running = controller.is_running
        running = running() if callable(running) else running
        snapshot = controller.current_snapshot()
        return (
            _explanation_inputs(controller),
            self._ref,
            self._samples.chosen(),
            None if running else id(snapshot),
        )

    def _ask(self) -> None:
        """Start computing the numbers off the GUI thread."""
        ref, sample = self._ref, self._samples.chosen()
        try:
            job = explain_job(self._controller)
        except ValueError as exc:
            self._show_error(str(exc))
            return
        self._asked = self._asking_for()
        self._asked_epoch = self._controller.current_snapshot().epoch
        self._ask_again = False
        self._message.setText(COMPUTING_TEXT)
        if self._terms is None or self._terms.ref != ref:
            # Nothing of this parameter to keep showing meanwhile: say what is coming.
            self._terms = None
            self._browser.setHtml(
                STYLE + f"<p>Computing the chain rule of {html.escape(ref.name)} for the "
                "next step (a big batch takes a few seconds)…</p>"
            )
        self._runner.submit(_explained_terms, job, ref, sample)

    def _drop_answer(self) -> None:
        self._runner.cancel()
        self._asked = None
        self._ask_again = False

    def _on_answer(self, answer) -> None:
        asked, again = self._asked, self._ask_again
        self._asked = None
        self._ask_again = False
        if asked is None:
            return
        if self._asking_for() != asked:
            # Outdated on arrival (the network, data, settings, weights or choice
            # changed): not shown, asked for again.
            self.refresh()
            return
        explanation, terms, error = answer
        if error is not None:
            self._show_error(error)
        else:
            self._show_terms(explanation, terms, self._asked_epoch)
        self._refresh_seconds = time.perf_counter() - self._last_refresh
        if again:
            self._on_snapshot(None)  # now, or when training's spacing allows

    def _show_error(self, text: str) -> None:
        self._terms = None
        self._browser.clear()
        self._message.setText(f"Cannot show {self._ref.name}: {text}")

    def _show_terms(self, explanation: StepExplanation, terms: ChainRuleTerms, epoch) -> None:
        self._terms = terms
        self._message.setText(
            f"The numbers of the next step from the network shown (epoch {epoch})."
        )
        scroll = self._browser.verticalScrollBar().value()
        self._browser.setHtml(render_chain_rule(terms, explanation, self._digits.value()))
        self._browser.verticalScrollBar().setValue(scroll)

    # ------------------------------------------------------------ internals
    def _show_placeholder(self) -> None:
        self._terms = None
        self._browser.setHtml(
            STYLE + "<p>Click a weight (an edge) or a bias on the network, or a row of the "
            "weight table, to see how backpropagation computes its gradient: the chain rule "
            "of the post, with the numbers of this network in place.</p>"
        )
        self._message.setText("")

    def _refresh_samples(self) -> None:
        self._samples.refresh(self._controller.dataset()[0].n_samples)

    def _on_snapshot(self, _snapshot) -> None:
        if self._ref is None:
            return
        if not is_shown(self):
            self._stale = True  # hidden or tabbed away: refreshed when shown
            return
        running = self._controller.is_running
        if callable(running):
            running = running()
        wait = self._last_refresh + self.running_refresh_interval() - time.perf_counter()
        if running and wait > 0:
            # While training runs the next step changes every few milliseconds:
            # asking the worker for it at every snapshot would slow training down.
            if not self._refresh_timer.isActive():
                self._refresh_timer.start(max(1, int(wait * 1000)))
            return
        self.refresh()

    def _on_shown(self) -> None:
        if self._stale and self._ref is not None:
            self.refresh()

    def _on_reset(self, snapshot) -> None:
        # New data comes with its own news (data_changed, before this one): the list
        # is rebuilt here only if it does not hold the data's samples.
        n = self._controller.dataset()[0].n_samples
        if self._samples.count() != n or not self._hears_data:
            self._refresh_samples()
        if self._ref is not None:
            sizes = snapshot.layer_sizes
            ref = self._ref
            exists = ref.layer < len(sizes) - 1 and ref.target < sizes[ref.layer + 1]
            if exists and ref.source is not None:
                exists = ref.source < sizes[ref.layer]
            if exists and ref.source is None:
                exists = snapshot.biases is not None
            self._ref = ref if exists else None
        self.refresh()
