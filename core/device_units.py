"""Units of the device TOML keys: which key holds which field, and the exact conversion
to and from SI (seconds, hertz) that keeps a round trip bit-for-bit."""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["QUBIT_KEYS", "GATE_KEYS", "ARITY", "to_si", "from_si"]

#: TOML key -> (QubitProperties field, SI factor or None for unitless).
QUBIT_KEYS = {
    "t1_us": ("t1", 1e-6),
    "t2_us": ("t2", 1e-6),
    "frequency_ghz": ("frequency", 1e9),
    "readout_error": ("readout_error", None),
    "prob_meas0_prep1": ("prob_meas0_prep1", None),
    "prob_meas1_prep0": ("prob_meas1_prep0", None),
    "readout_length_ns": ("readout_length", 1e-9),
}
#: TOML key -> (GateProperties field, SI factor or None).
GATE_KEYS = {"error": ("error", None), "length_ns": ("length", 1e-9)}

#: Qubit count of the gates qfoundry knows, for defaults and arity checks.
ARITY = {
    **dict.fromkeys(("id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx",
                     "ry", "rz", "p", "u", "u0", "u1", "u2", "u3", "r", "reset", "measure",
                     "measure_2", "reset_2"), 1),
    **dict.fromkeys(("cx", "cy", "cz", "ch", "swap", "iswap", "ecr", "dcx", "rxx", "ryy",
                     "rzz", "rzx", "cp", "cu1", "cu3", "cu", "crx", "cry", "crz", "csx"), 2),
    **dict.fromkeys(("ccx", "cswap", "rccx"), 3),
    **dict.fromkeys(("c3x", "rc3x", "c3sqrtx"), 4),
    "c4x": 5,
}


def to_si(value: float | None, factor: float | None) -> float | None:
    """``value`` in the key's unit -> SI, correctly rounded (1e-6 is not exact; 10**6 is)."""
    if value is None or factor is None:
        return None if value is None else float(value)
    return value / round(1 / factor) if factor < 1 else value * factor


def from_si(value: float, factor: float | None,
            spellings: Mapping[tuple[float, float], float] | None = None) -> float:
    """A float in the key's unit that :func:`to_si` maps back to exactly ``value``.

    Several floats can map to one SI value; ``spellings`` (``(factor, si) -> value``)
    names the preferred one (the importer passes the snapshot's own numbers), otherwise
    the one with the shortest decimal form wins.
    """
    if factor is None:
        return value
    preferred = (spellings or {}).get((factor, value))
    if preferred is not None and to_si(preferred, factor) == value:
        return preferred
    guess = value * round(1 / factor) if factor < 1 else value / factor
    candidates = [guess]
    for direction in (math.inf, -math.inf):
        x = guess
        for _ in range(3):
            x = math.nextafter(x, direction)
            candidates.append(x)
    exact = [c for c in candidates if to_si(c, factor) == value]
    return min(exact, key=lambda c: len(repr(c))) if exact else guess
