"""Mapping circuits onto devices: basis translation, layout, routing, optimisation.

    >>> import qfoundry
    >>> backend = qfoundry.get_backend("fake_paris")
    >>> mapped = qfoundry.transpile(circuit, backend, seed=7)
    >>> mapped.metadata["initial_layout"], mapped.metadata["final_layout"]

The passes live in one module each: :mod:`.decompose` (exact Euler and KAK synthesis),
:mod:`.rules` and :mod:`.basis` (translation), :mod:`.layout`, :mod:`.sabre` (the SABRE
search) and :mod:`.routing` (routing trials on it), :mod:`.optimize` (level-1 peephole
passes), :mod:`.pipeline` (their order). The entry
point :func:`transpile` asks the ``transpile_experiment`` plugin hook first, so a plugin
can replace the built-in pipeline (see docs/transpiler.md).
"""

from __future__ import annotations

from .api import transpile
from .pipeline import DEFAULT_SEED, LAYOUT_METHODS, Layout, is_native, transpile_circuit
from .target import Target

__all__ = ["transpile", "transpile_circuit", "is_native", "Layout", "Target", "DEFAULT_SEED",
           "LAYOUT_METHODS"]
