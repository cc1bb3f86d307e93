"""The built-in transpiler as a plugin: qfoundry's own ``transpile_experiment`` hook.

It registers through the same entry point group as third-party plugins. A plugin that
returns a circuit from its own ``transpile_experiment`` replaces this pipeline (pluggy
calls later-registered plugins first and stops at the first non-None answer); one that
wants to extend it can call :func:`qfoundry.transpiler.transpile_circuit` itself.
"""

from __future__ import annotations

from typing import Any

from qfoundry.hookspecs import hookimpl

__all__ = ["transpile_experiment"]


@hookimpl(trylast=True)
def transpile_experiment(circuit: Any, device: Any, options: dict[str, Any]) -> Any:
    """Map ``circuit`` onto ``device`` (or, without one, ``options["backend"]``)."""
    from qfoundry.transpiler import transpile_circuit

    return transpile_circuit(
        circuit, device if device is not None else options["backend"],
        seed=options.get("seed"), optimization_level=options.get("optimization_level", 1),
        initial_layout=options.get("initial_layout"),
        layout_method=options.get("layout_method"))
