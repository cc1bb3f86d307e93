"""The qelib1 gate methods of :class:`qfoundry.Circuit`, one per gate.

Kept apart from circuit.py because they are pure sugar: each one names its gate and
hands its arguments to ``Circuit._broadcast``, which validates and broadcasts registers
and lists the way OpenQASM 2 does (``c.h(qr)`` puts an ``h`` on every qubit of ``qr``).
Parameters come first, then qubits, as in Qiskit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

    from .circuit import QubitSpec

__all__ = ["GateMethods"]


class GateMethods:
    """Mixin: ``h``, ``cx``, ``rz``, ``u3``... for every gate of qelib1, plus ``U`` and ``CX``."""

    def _broadcast(self, name: str, params: Sequence, *qargs: Any, clbits: Any = None) -> Self:
        raise NotImplementedError

    def id(self, q: QubitSpec) -> Self:
        """Identity (occupies a time step)."""
        return self._broadcast("id", (), q)

    def x(self, q: QubitSpec) -> Self:
        """Pauli X."""
        return self._broadcast("x", (), q)

    def y(self, q: QubitSpec) -> Self:
        """Pauli Y."""
        return self._broadcast("y", (), q)

    def z(self, q: QubitSpec) -> Self:
        """Pauli Z."""
        return self._broadcast("z", (), q)

    def h(self, q: QubitSpec) -> Self:
        """Hadamard."""
        return self._broadcast("h", (), q)

    def s(self, q: QubitSpec) -> Self:
        """sqrt(Z)."""
        return self._broadcast("s", (), q)

    def sdg(self, q: QubitSpec) -> Self:
        """Inverse of s."""
        return self._broadcast("sdg", (), q)

    def t(self, q: QubitSpec) -> Self:
        """sqrt(S)."""
        return self._broadcast("t", (), q)

    def tdg(self, q: QubitSpec) -> Self:
        """Inverse of t."""
        return self._broadcast("tdg", (), q)

    def sx(self, q: QubitSpec) -> Self:
        """sqrt(X)."""
        return self._broadcast("sx", (), q)

    def sxdg(self, q: QubitSpec) -> Self:
        """Inverse of sx."""
        return self._broadcast("sxdg", (), q)

    def cx(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Controlled X (control, target)."""
        return self._broadcast("cx", (), c, t)

    def cy(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Controlled Y."""
        return self._broadcast("cy", (), c, t)

    def cz(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Controlled Z."""
        return self._broadcast("cz", (), c, t)

    def ch(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Controlled Hadamard."""
        return self._broadcast("ch", (), c, t)

    def swap(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Swap two qubits."""
        return self._broadcast("swap", (), c, t)

    def csx(self, c: QubitSpec, t: QubitSpec) -> Self:
        """Controlled sqrt(X)."""
        return self._broadcast("csx", (), c, t)

    def ccx(self, a: QubitSpec, b: QubitSpec, t: QubitSpec) -> Self:
        """Toffoli (two controls, target)."""
        return self._broadcast("ccx", (), a, b, t)

    def cswap(self, a: QubitSpec, b: QubitSpec, t: QubitSpec) -> Self:
        """Fredkin (control, two targets)."""
        return self._broadcast("cswap", (), a, b, t)

    def rccx(self, a: QubitSpec, b: QubitSpec, t: QubitSpec) -> Self:
        """Relative-phase Toffoli."""
        return self._broadcast("rccx", (), a, b, t)

    def U(self, theta: float, phi: float, lam: float, q: QubitSpec) -> Self:
        """OpenQASM's built-in U(theta, phi, lambda)."""
        return self._broadcast("U", (theta, phi, lam), q)

    def CX(self, c: QubitSpec, t: QubitSpec) -> Self:
        """OpenQASM's built-in CNOT."""
        return self._broadcast("CX", (), c, t)

    def u3(self, theta: float, phi: float, lam: float, q: QubitSpec) -> Self:
        return self._broadcast("u3", (theta, phi, lam), q)

    def u2(self, phi: float, lam: float, q: QubitSpec) -> Self:
        return self._broadcast("u2", (phi, lam), q)

    def u1(self, lam: float, q: QubitSpec) -> Self:
        return self._broadcast("u1", (lam,), q)

    def u(self, theta: float, phi: float, lam: float, q: QubitSpec) -> Self:
        return self._broadcast("u", (theta, phi, lam), q)

    def u0(self, gamma: float, q: QubitSpec) -> Self:
        return self._broadcast("u0", (gamma,), q)

    def p(self, lam: float, q: QubitSpec) -> Self:
        return self._broadcast("p", (lam,), q)

    def rx(self, theta: float, q: QubitSpec) -> Self:
        return self._broadcast("rx", (theta,), q)

    def ry(self, theta: float, q: QubitSpec) -> Self:
        return self._broadcast("ry", (theta,), q)

    def rz(self, phi: float, q: QubitSpec) -> Self:
        return self._broadcast("rz", (phi,), q)

    def crx(self, theta: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("crx", (theta,), c, t)

    def cry(self, theta: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("cry", (theta,), c, t)

    def crz(self, theta: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("crz", (theta,), c, t)

    def cu1(self, lam: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("cu1", (lam,), c, t)

    def cp(self, lam: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("cp", (lam,), c, t)

    def cu3(self, theta: float, phi: float, lam: float, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("cu3", (theta, phi, lam), c, t)

    def cu(self, theta: float, phi: float, lam: float, gamma: float, c: QubitSpec,
           t: QubitSpec) -> Self:
        return self._broadcast("cu", (theta, phi, lam, gamma), c, t)

    def rxx(self, theta: float, a: QubitSpec, b: QubitSpec) -> Self:
        return self._broadcast("rxx", (theta,), a, b)

    def rzz(self, theta: float, a: QubitSpec, b: QubitSpec) -> Self:
        return self._broadcast("rzz", (theta,), a, b)

    def c3x(self, a: QubitSpec, b: QubitSpec, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("c3x", (), a, b, c, t)

    def c3sqrtx(self, a: QubitSpec, b: QubitSpec, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("c3sqrtx", (), a, b, c, t)

    def rc3x(self, a: QubitSpec, b: QubitSpec, c: QubitSpec, t: QubitSpec) -> Self:
        return self._broadcast("rc3x", (), a, b, c, t)

    def c4x(self, a: QubitSpec, b: QubitSpec, c: QubitSpec, d: QubitSpec,
            t: QubitSpec) -> Self:
        return self._broadcast("c4x", (), a, b, c, d, t)
