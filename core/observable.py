"""``qfoundry.Observable``: a weighted sum of Pauli strings, in Qiskit's label order.

A label's rightmost character is qubit 0 (``"ZXI"``: I on qubit 0, X on 1, Z on 2), as in
``qiskit.quantum_info.SparsePauliOp``, so labels and matrices agree with the statevector
convention (qubit k is bit k of an index). Terms are kept as given (``simplify()`` merges
equal strings); coefficients may be complex while building, and whoever needs a real
expectation value checks the imaginary parts (:meth:`Observable.real_coeffs`).

Engines see an observable as the ``params`` of a ``save_expval`` instruction:
``[[label, [re, im]], ...]`` over the instruction's qubits (:meth:`to_instruction_params`).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .errors import ObservableError

__all__ = ["Observable", "qubitwise_groups", "expval_params", "expval_terms", "IMAG_TOLERANCE"]

_PAULI = frozenset("IXYZ")
_MATRICES = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]),
             "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1, -1])}
#: A coefficient's imaginary part beyond this makes an observable non-Hermitian.
IMAG_TOLERANCE = 1e-12
#: Widest observable to_matrix() builds (a 2^n x 2^n dense matrix).
MAX_MATRIX_QUBITS = 12


def _check_label(label: Any, where: str) -> str:
    if not isinstance(label, str) or not label:
        raise ObservableError(f"{where}: a Pauli label must be a non-empty string, got "
                              f"{label!r}")
    bad = sorted(set(label) - _PAULI)
    if bad:
        raise ObservableError(f"{where}: label {label!r} has {bad}; only I, X, Y, Z are Pauli "
                              "letters")
    return label


def _check_coeff(coeff: Any, where: str) -> complex:
    if isinstance(coeff, bool) or not isinstance(coeff, numbers.Number):
        raise ObservableError(f"{where}: coefficient {coeff!r} is not a number")
    c = complex(coeff)
    if not (np.isfinite(c.real) and np.isfinite(c.imag)):
        raise ObservableError(f"{where}: coefficient {coeff!r} is not finite")
    return c


class Observable:
    """``sum_k coeffs[k] * paulis[k]`` on ``num_qubits`` qubits."""

    __slots__ = ("num_qubits", "_terms")

    def __init__(self, data: Any = None, num_qubits: int | None = None):
        """``Observable("ZZ")``, ``Observable({"ZZ": 1, "XI": -0.5})``,
        ``Observable([("ZZ", 1.0)])``, another Observable or a ``SparsePauliOp``."""
        if isinstance(data, Observable):
            terms, n = list(data._terms), data.num_qubits
        elif _is_sparse_pauli_op(data):
            terms = [(str(p), complex(c)) for p, c in data.to_list()]
            n = int(data.num_qubits)
        elif isinstance(data, str):
            terms, n = [(_check_label(data, "Observable"), 1.0 + 0j)], len(data)
        elif isinstance(data, Mapping):
            terms, n = _terms(list(data.items()), num_qubits)
        elif isinstance(data, Iterable):
            terms, n = _terms(list(data), num_qubits)
        else:
            raise ObservableError(f"cannot make an Observable from a {type(data).__name__}; "
                                  "give a label, {label: coeff}, [(label, coeff)...] or a "
                                  "SparsePauliOp")
        if num_qubits is not None and num_qubits != n:
            raise ObservableError(f"Observable: labels have {n} qubits, num_qubits={num_qubits}")
        self.num_qubits = n
        self._terms = terms

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def from_list(cls, terms: Iterable[tuple[str, Any]], num_qubits: int | None = None
                  ) -> Observable:
        """From ``[(label, coeff), ...]``; every label has the same length."""
        return cls(list(terms), num_qubits)

    @classmethod
    def from_sparse_list(cls, terms: Iterable[tuple[str, Sequence[int], Any]],
                         num_qubits: int) -> Observable:
        """From ``[(letters, qubits, coeff), ...]``: letter k acts on ``qubits[k]``
        (``("ZX", [0, 3], 0.5)`` is Z on qubit 0 and X on qubit 3)."""
        out = []
        for k, item in enumerate(terms):
            where = f"from_sparse_list term {k}"
            try:
                letters, qubits, coeff = item
            except (TypeError, ValueError):
                raise ObservableError(f"{where}: expected (letters, qubits, coeff), got "
                                      f"{item!r}") from None
            if not isinstance(letters, str) or set(letters) - _PAULI:
                raise ObservableError(f"{where}: letters {letters!r} must be a string of I, X, "
                                      "Y, Z")
            qubits = list(qubits)
            if len(qubits) != len(letters):
                raise ObservableError(f"{where}: {len(letters)} letters for {len(qubits)} "
                                      "qubits")
            if len(set(qubits)) != len(qubits):
                raise ObservableError(f"{where}: qubit repeated in {qubits}")
            chars = ["I"] * num_qubits
            for letter, q in zip(letters, qubits):
                if isinstance(q, bool) or not isinstance(q, (int, np.integer)) \
                        or not 0 <= q < num_qubits:
                    raise ObservableError(f"{where}: qubit {q!r} is out of range for "
                                          f"{num_qubits} qubits")
                chars[num_qubits - 1 - int(q)] = letter
            out.append(("".join(chars), _check_coeff(coeff, where)))
        if not out:
            raise ObservableError("from_sparse_list: no terms")
        return cls(out, num_qubits)

    @classmethod
    def coerce(cls, value: Any) -> Observable:
        """``value`` if it is an Observable, else ``Observable(value)``."""
        return value if isinstance(value, Observable) else cls(value)

    # -- contents ----------------------------------------------------------------------------
    @property
    def paulis(self) -> list[str]:
        return [p for p, _ in self._terms]

    @property
    def coeffs(self) -> np.ndarray:
        return np.array([c for _, c in self._terms], dtype=complex)

    def to_list(self) -> list[tuple[str, complex]]:
        return list(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def real_coeffs(self, atol: float = 1e-12, where: str = "observable") -> np.ndarray:
        """The real coefficients; a term with an imaginary part beyond ``atol`` is an error."""
        c = self.coeffs
        bad = np.flatnonzero(np.abs(c.imag) > atol)
        if bad.size:
            k = int(bad[0])
            raise ObservableError(f"{where}: term {k} ({self._terms[k][0]!r}, {c[k]}) has an "
                                  f"imaginary coefficient beyond {atol}: the observable is not "
                                  "Hermitian")
        return c.real.copy()

    def simplify(self, atol: float = 1e-12) -> Observable:
        """Equal Pauli strings merged, terms below ``atol`` dropped (identity kept if empty)."""
        merged: dict[str, complex] = {}
        for p, c in self._terms:
            merged[p] = merged.get(p, 0) + c
        terms = [(p, c) for p, c in merged.items() if abs(c) > atol]
        return Observable(terms or [("I" * self.num_qubits, 0j)], self.num_qubits)

    def to_matrix(self) -> np.ndarray:
        """The dense 2^n x 2^n matrix (up to 12 qubits); qubit 0 is the lowest index bit."""
        if self.num_qubits > MAX_MATRIX_QUBITS:
            raise ObservableError(f"to_matrix(): {self.num_qubits} qubits would need a "
                                  f"{2 ** self.num_qubits}-square matrix; at most "
                                  f"{MAX_MATRIX_QUBITS} qubits")
        out = np.zeros((2 ** self.num_qubits,) * 2, dtype=complex)
        for p, c in self._terms:
            m = np.ones((1, 1))
            for letter in p:  # leftmost letter = highest qubit = most significant factor
                m = np.kron(m, _MATRICES[letter])
            out += c * m
        return out

    def to_instruction_params(self) -> list[list]:
        """The ``params`` of a ``save_expval`` instruction: ``[[label, [re, im]], ...]``."""
        return [[p, [c.real, c.imag]] for p, c in self._terms]

    @classmethod
    def from_instruction_params(cls, params: Sequence[Any]) -> Observable:
        terms = []
        for item in params:
            label, coeff = item
            if isinstance(coeff, (list, tuple, np.ndarray)):
                coeff = complex(coeff[0], coeff[1])
            terms.append((label, coeff))
        return cls(terms)

    def apply_layout(self, layout: Sequence[int], num_qubits: int) -> Observable:
        """The same observable with qubit v moved to ``layout[v]`` on ``num_qubits`` qubits."""
        if len(layout) != self.num_qubits:
            raise ObservableError(f"apply_layout: layout has {len(layout)} qubits, the "
                                  f"observable {self.num_qubits}")
        terms = []
        for p, c in self._terms:
            chars = ["I"] * num_qubits
            for v, letter in enumerate(reversed(p)):
                chars[num_qubits - 1 - layout[v]] = letter
            terms.append(("".join(chars), c))
        return Observable(terms, num_qubits)

    # -- arithmetic --------------------------------------------------------------------------
    def __add__(self, other: Any) -> Observable:
        if isinstance(other, numbers.Number) and other == 0:
            return self
        other = Observable.coerce(other)
        if other.num_qubits != self.num_qubits:
            raise ObservableError(f"cannot add observables on {self.num_qubits} and "
                                  f"{other.num_qubits} qubits")
        return Observable(self._terms + other._terms, self.num_qubits)

    __radd__ = __add__

    def __neg__(self) -> Observable:
        return self * -1

    def __sub__(self, other: Any) -> Observable:
        return self + (-Observable.coerce(other))

    def __mul__(self, scalar: Any) -> Observable:
        if isinstance(scalar, bool) or not isinstance(scalar, numbers.Number):
            return NotImplemented
        s = complex(scalar)
        return Observable([(p, c * s) for p, c in self._terms], self.num_qubits)

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> Observable:
        return self * (1 / complex(scalar))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Observable):
            return NotImplemented
        a, b = self.simplify(), other.simplify()
        return a.num_qubits == b.num_qubits and dict(a._terms).keys() == dict(b._terms).keys() \
            and all(abs(c - dict(b._terms)[p]) < 1e-12 for p, c in a._terms)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"({p!r}, {c.real:g}{'' if not c.imag else f'{c.imag:+g}j'})"
                          for p, c in self._terms[:6])
        more = f", ... {len(self) - 6} more" if len(self) > 6 else ""
        return f"Observable([{inner}{more}], num_qubits={self.num_qubits})"


def _terms(items: list, num_qubits: int | None) -> tuple[list[tuple[str, complex]], int]:
    if not items:
        raise ObservableError("an Observable needs at least one term")
    out = []
    for k, item in enumerate(items):
        where = f"term {k}"
        try:
            label, coeff = item
        except (TypeError, ValueError):
            raise ObservableError(f"{where}: expected (label, coeff), got {item!r}") from None
        out.append((_check_label(label, where), _check_coeff(coeff, where)))
    widths = {len(p) for p, _ in out}
    if len(widths) > 1:
        raise ObservableError(f"labels have different lengths {sorted(widths)}: "
                              f"{[p for p, _ in out][:4]}")
    return out, widths.pop()


def _is_sparse_pauli_op(obj: Any) -> bool:
    """True for a qiskit SparsePauliOp, checked without importing Qiskit."""
    return any(cls.__name__ == "SparsePauliOp" and cls.__module__.startswith("qiskit")
               for cls in type(obj).__mro__)


def qubitwise_groups(labels: Sequence[str]) -> list[list[int]]:
    """Term indices grouped so that every group is measurable in one basis per qubit
    (qubit-wise commuting: on each qubit the non-I letters agree). Greedy, in order."""
    groups: list[tuple[list[str], list[int]]] = []
    for k, label in enumerate(labels):
        for basis, members in groups:
            if all(a == "I" or b == "I" or a == b for a, b in zip(basis, label)):
                for j, letter in enumerate(label):
                    if letter != "I":
                        basis[j] = letter
                members.append(k)
                break
        else:
            groups.append((list(label), [k]))
    return [members for _, members in groups]


def expval_params(params: Sequence[Any], n_qubits: int, where: str) -> tuple:
    """Checked ``save_expval`` params (``[[label, [re, im]], ...]`` over ``n_qubits``)."""
    from .errors import CircuitError

    try:
        obs = Observable.from_instruction_params(params)
    except (ObservableError, TypeError, ValueError) as exc:
        raise CircuitError(f"{where}: bad observable: {exc}") from None
    if obs.num_qubits != n_qubits:
        raise CircuitError(f"{where}: the observable acts on {obs.num_qubits} qubits, the "
                           f"instruction names {n_qubits}")
    return tuple(obs.to_instruction_params())


def expval_terms(params: Sequence[Any], qubits: Sequence[int], where: str) -> tuple:
    """The terms of a ``save_expval`` instruction on ``qubits``, checked (EngineError):
    ``(((qubit, letter), ...), coeff)`` per term, identities left out, real coefficients."""
    from .errors import EngineError

    terms = []
    for k, item in enumerate(params):
        try:
            label, coeff = item
            coeff = complex(*coeff) if isinstance(coeff, (list, tuple)) else complex(coeff)
        except (TypeError, ValueError):
            raise EngineError(f"{where}: term {k} must be [label, [re, im]], got "
                              f"{item!r}") from None
        if not isinstance(label, str) or len(label) != len(qubits) or set(label) - _PAULI:
            raise EngineError(f"{where}: term {k} label {label!r} must be {len(qubits)} "
                              "letters of I, X, Y, Z (one per qubit of the instruction)")
        if abs(coeff.imag) > IMAG_TOLERANCE:
            raise EngineError(f"{where}: term {k} ({label!r}) has coefficient {coeff}: the "
                              "observable must be Hermitian (real coefficients)")
        paulis = tuple((int(qubits[j]), x) for j, x in enumerate(reversed(label)) if x != "I")
        terms.append((paulis, coeff.real))
    if not terms:
        raise EngineError(f"{where}: save_expval needs at least one term")
    return tuple(terms)
