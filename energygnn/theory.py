r"""Theorem 3.1 of paper 1, derived step by step with sympy (its Appendix A).

Embeddings are symbolic: coordinate :math:`k` of node :math:`i` is ``x[i, k]``, the width
:math:`c` is a symbol, and squared distances are ``Sum((x[i, k] - x[j, k])**2, (k, 0, c - 1))``.
Each function below states one step of the proof (the lemmas A.1 to A.4, Proposition A.5 and
Theorem 3.1), lets sympy differentiate the definitions, and returns the residual
(symbolic derivative) - (claimed closed form), which sympy simplifies to exactly ``0``.

The paper's text lost its formulas; the statements below are our reconstruction from the proof's
prose and from the book's "Formulas and settings" page (``book/formulas.md``): A.1 the gradient of a squared distance, A.2 the
derivative of :math:`-p \log p`, A.3 that of the Boltzmann weight, A.4 the gradient of a node
energy (three cases), A.5 the chain rule through the energies.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

x = sp.IndexedBase("x", real=True)
k, l = sp.symbols("k l", integer=True)  # k: summation index over coordinates, l: one coordinate
i, j, r = sp.symbols("i j r", integer=True)  # generic node indices
c = sp.Symbol("c", integer=True, positive=True)  # embedding width
T = sp.Symbol("T", positive=True)  # temperature
p, E = sp.symbols("p E", positive=True)

# Small graphs of several shapes, as neighbour lists (undirected, no self loops).
SMALL_GRAPHS: dict[str, dict[int, list[int]]] = {
    "path": {0: [1], 1: [0, 2], 2: [1]},
    "star": {0: [1, 2, 3], 1: [0], 2: [0], 3: [0]},
    "triangle with pendant": {0: [1, 2], 1: [0, 2], 2: [0, 1, 3], 3: [2]},
}


@dataclass
class Step:
    """One step of the derivation: ``lhs = rhs`` and the sympy-simplified ``lhs - rhs``."""

    label: str
    lhs: sp.Expr
    rhs: sp.Expr
    residual: sp.Expr
    details: list[tuple[str, sp.Expr]] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.residual == 0

    def _repr_latex_(self) -> str:
        return (rf"$\textbf{{{self.label}}}\quad {sp.latex(self.lhs)} = {sp.latex(self.rhs)}"
                rf"\qquad(\text{{residual: }} {sp.latex(self.residual)})$")


def squared_distance(a: int | sp.Symbol, b: int | sp.Symbol) -> sp.Expr:
    r""":math:`\lVert x_a - x_b \rVert^2` as a sum over the :math:`c` coordinates. Concrete node
    pairs are written in one canonical order, so that sympy sees one expression per edge."""
    if isinstance(a, int) and isinstance(b, int) and a > b:
        a, b = b, a
    return sp.Sum((x[a, k] - x[b, k]) ** 2, (k, 0, c - 1))


def _coordinate(expr: sp.Expr) -> sp.Expr:
    """Evaluate derivatives of coordinate sums, keeping the branch valid for 0 <= l <= c - 1.

    Only the sums that differentiation produced (they hold Kronecker deltas) are evaluated; the
    squared distances themselves stay as they are."""
    expr = expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta), lambda e: e.doit())
    in_range = sp.And(l >= 0, l <= c - 1)

    def branch(piecewise: sp.Piecewise) -> sp.Expr:
        (value, condition), *rest = piecewise.args
        if condition != in_range or rest != [(0, True)]:
            raise ValueError(f"unexpected piecewise derivative: {piecewise}")
        return value

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), branch)


def _zero(expr: sp.Expr, graph: dict[int, list[int]] | None = None) -> sp.Expr:
    """Simplify ``expr``; squared-distance sums become plain symbols first (they are atoms here)."""
    if graph is not None:
        atoms = {squared_distance(a, b): sp.Symbol(f"D_{min(a, b)}{max(a, b)}", nonnegative=True)
                 for a in graph for b in graph[a]}
        expr = expr.xreplace(atoms)
    expanded = sp.expand(expr)
    return expanded if expanded == 0 else sp.simplify(expanded)


def constants(graph: dict[int, list[int]], symbolic: bool) -> list[sp.Expr]:
    """The normalisation constants :math:`a_i`: symbols ``a_0, a_1, ...`` or all ones."""
    return [sp.Symbol(f"a_{node}", positive=True) if symbolic else sp.Integer(1) for node in sorted(graph)]


def energies(graph: dict[int, list[int]], a: list[sp.Expr]) -> list[sp.Expr]:
    r""":math:`E_i = \frac{a_i}{2} \sum_{j \in \mathcal{N}(i)} \lVert x_i - x_j \rVert^2`."""
    return [a[node] / 2 * sum(squared_distance(node, other) for other in graph[node]) for node in sorted(graph)]


def boltzmann_entropy(graph: dict[int, list[int]], a: list[sp.Expr]) -> sp.Expr:
    r""":math:`S = -\sum_i p_i \log p_i` with :math:`p_i = e^{-E_i/T}`."""
    weights = [sp.exp(-energy / T) for energy in energies(graph, a)]
    return -sum(weight * sp.log(weight) for weight in weights)


def p_bar(energy: sp.Expr) -> sp.Expr:
    r""":math:`\bar P = p (1 + \log p) = e^{-E/T} (1 - E/T)`, Eq. (4)."""
    return sp.exp(-energy / T) * (1 - energy / T)


def lemma_a1() -> Step:
    r"""A.1: :math:`\partial \lVert x_i - x_j \rVert^2 / \partial x_{r,l} = 2 (x_{i,l} - x_{j,l})(\delta_{ir} - \delta_{jr})`."""
    lhs = _coordinate(sp.diff(squared_distance(i, j), x[r, l]))
    rhs = 2 * (x[i, l] - x[j, l]) * (sp.KroneckerDelta(i, r) - sp.KroneckerDelta(j, r))
    return Step("Lemma A.1", sp.Derivative(squared_distance(i, j), x[r, l]), rhs, _zero(lhs - rhs))


def lemma_a2() -> Step:
    r"""A.2: :math:`\frac{d}{dp}(-p \log p) = -(1 + \log p)`."""
    lhs = sp.diff(-p * sp.log(p), p)
    rhs = -(1 + sp.log(p))
    return Step("Lemma A.2", sp.Derivative(-p * sp.log(p), p), rhs, _zero(lhs - rhs))


def lemma_a3() -> Step:
    r"""A.3: :math:`\frac{d}{dE} e^{-E/T} = -p/T`."""
    lhs = sp.diff(sp.exp(-E / T), E)
    rhs = -sp.exp(-E / T) / T
    return Step("Lemma A.3", sp.Derivative(sp.exp(-E / T), E), rhs, _zero(lhs - rhs))


def energy_gradient_cases(graph: dict[int, list[int]], a: list[sp.Expr], node: int, wrt: int) -> sp.Expr:
    r"""Lemma A.4's three cases for :math:`\partial E_i / \partial x_{r,l}`:
    :math:`a_i \sum_{j \in \mathcal{N}(i)} (x_{i,l} - x_{j,l})` if :math:`r = i`,
    :math:`a_i (x_{r,l} - x_{i,l})` if :math:`r \in \mathcal{N}(i)`, and 0 otherwise."""
    if wrt == node:
        return a[node] * sum(x[node, l] - x[other, l] for other in graph[node])
    if wrt in graph[node]:
        return a[node] * (x[wrt, l] - x[node, l])
    return sp.Integer(0)


def lemma_a4(graph: dict[int, list[int]], symbolic_constants: bool = True) -> Step:
    """A.4 on one graph: every :math:`\\partial E_i / \\partial x_{r,l}` against its case formula."""
    a = constants(graph, symbolic_constants)
    node_energies = energies(graph, a)
    residuals = []
    for node in sorted(graph):
        for wrt in sorted(graph):
            derivative = _coordinate(sp.diff(node_energies[node], x[wrt, l]))
            residuals.append(_zero(derivative - energy_gradient_cases(graph, a, node, wrt), graph))
    example = energy_gradient_cases(graph, a, 0, 0)
    total = _zero(sum(sp.Abs(res) for res in residuals))
    return Step("Lemma A.4", sp.Derivative(sp.Symbol("E_0"), x[0, l]), example, total,
                details=[(f"dE_{n}/dx_{w}", res) for (n, w), res in
                         zip(((n, w) for n in sorted(graph) for w in sorted(graph)), residuals)])


def proposition_a5(graph: dict[int, list[int]], symbolic_constants: bool = True) -> Step:
    r"""A.5: :math:`\partial S / \partial x_{r,l} = \sum_i \frac{\bar P_i}{T} \partial E_i / \partial x_{r,l}`,
    checked for every node :math:`r` of ``graph``."""
    a = constants(graph, symbolic_constants)
    node_energies = energies(graph, a)
    entropy_expr = boltzmann_entropy(graph, a)
    residuals = []
    for wrt in sorted(graph):
        symbolic = _coordinate(sp.diff(entropy_expr, x[wrt, l]))
        claimed = sum(p_bar(node_energies[node]) / T * energy_gradient_cases(graph, a, node, wrt)
                      for node in sorted(graph))
        residuals.append(_zero(symbolic - claimed, graph))
    return Step("Proposition A.5", sp.Derivative(sp.Symbol("S"), x[0, l]),
                sp.Sum(sp.Symbol(r"\bar{P}_i") / T * sp.Derivative(sp.Symbol("E_i"), x[0, l]), (i, 1, sp.Symbol("n"))),
                _zero(sum(sp.Abs(res) for res in residuals)),
                details=[(f"node {w}", res) for w, res in zip(sorted(graph), residuals)])


def theorem_closed_form(graph: dict[int, list[int]], a: list[sp.Expr], node: int) -> sp.Expr:
    r"""Theorem 3.1: :math:`\frac{1}{T} \sum_{j \in \mathcal{N}(i)} (a_i \bar P_i + a_j \bar P_j)(x_{i,l} - x_{j,l})`."""
    node_energies = energies(graph, a)
    return sum((a[node] * p_bar(node_energies[node]) + a[other] * p_bar(node_energies[other]))
               * (x[node, l] - x[other, l]) for other in graph[node]) / T


def authors_closed_form(graph: dict[int, list[int]], a: list[sp.Expr], node: int) -> sp.Expr:
    r"""The authors' code's direction divided by :math:`T`, comparable with the gradient:
    :math:`\frac{a_i}{T} \sum_{j \in \mathcal{N}(i)} (\bar P_i + \bar P_j)(x_{i,l} - x_{j,l})`.
    Exact only when the constants of neighbours agree."""
    node_energies = energies(graph, a)
    return a[node] * sum((p_bar(node_energies[node]) + p_bar(node_energies[other]))
                         * (x[node, l] - x[other, l]) for other in graph[node]) / T


def theorem_3_1(graph: dict[int, list[int]], symbolic_constants: bool = True,
                closed_form=theorem_closed_form) -> Step:
    """Theorem 3.1 on one graph: sympy's gradient of S minus ``closed_form``, for every node.

    ``closed_form=authors_closed_form`` checks the authors' variant instead (a non-zero residual
    with symbolic constants: the check can fail)."""
    a = constants(graph, symbolic_constants)
    entropy_expr = boltzmann_entropy(graph, a)
    residuals = []
    for node in sorted(graph):
        symbolic = _coordinate(sp.diff(entropy_expr, x[node, l]))
        residuals.append(_zero(symbolic - closed_form(graph, a, node), graph))
    return Step("Theorem 3.1", sp.Derivative(sp.Symbol("S"), x[0, l]), closed_form(graph, a, 0),
                _zero(sum(sp.Abs(res) for res in residuals)),
                details=[(f"node {n}", res) for n, res in zip(sorted(graph), residuals)])


def verify_all() -> list[tuple[str, str, str, sp.Expr]]:
    """Every step on every small graph, with symbolic and with unit constants:
    rows of (step, graph, constants, residual)."""
    rows = [(step.label, "generic", "-", step.residual) for step in (lemma_a1(), lemma_a2(), lemma_a3())]
    for name, graph in SMALL_GRAPHS.items():
        for symbolic in (False, True):
            kind = "symbolic a_i" if symbolic else "a_i = 1"
            for step in (lemma_a4(graph, symbolic), proposition_a5(graph, symbolic), theorem_3_1(graph, symbolic)):
                rows.append((step.label, name, kind, step.residual))
    return rows
