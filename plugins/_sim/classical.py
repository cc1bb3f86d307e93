"""The classical-function step the noisy engines share: Qobj's ``bfunc`` as it runs.

The density-matrix and trajectory engines both compile a lowered
:class:`qfoundry.program.Bfunc` into this step, with the condition in their own compiled
form (``cond``), and evaluate it against a branch's classical register.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Bfunc"]


@dataclass
class Bfunc:
    """Write ``test((register & mask) - val)`` into register bit ``reg`` (and memory slot
    ``mem`` when given), when ``cond`` holds."""

    mask: int
    test: Any  # the relation, applied to (register & mask) - val
    val: int
    reg: int
    mem: int | None
    cond: Any = None
