"""The ``qfoundry`` command line (standard library argparse only).

User errors (bad file, unknown backend, invalid option) print one line on stderr and exit
with status 2; nothing prints a traceback unless ``QFOUNDRY_DEBUG`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from . import registry
from .errors import QfoundryError
from .qobj import QobjEncoder

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qfoundry", description="Run quantum circuits on simulated backends chosen by name.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a Qobj JSON or OpenQASM 2 file and print its counts")
    run.add_argument("file", help="a Qobj JSON file (.json) or an OpenQASM 2 file (.qasm)")
    run.add_argument("--backend", "-b", default="qasm_simulator", help="backend name")
    run.add_argument("--engine", help="engine for a device backend (default: the device's)")
    run.add_argument("--shots", type=int, help="shots per experiment")
    run.add_argument("--seed", type=int, help="seed_simulator, for reproducible results")
    run.add_argument("--memory", action="store_true", help="also print per-shot outcomes")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--plot", metavar="FILE", help="also write a picture of the result: "
                     "the counts histogram, or the state (PNG/SVG/PDF; needs the plot extra)")
    run.set_defaults(handler=_cmd_run)

    sub.add_parser("backends", help="list the backends").set_defaults(handler=_cmd_backends)
    sub.add_parser("engines", help="list the engines").set_defaults(handler=_cmd_engines)
    sub.add_parser("plugins", help="list the plugins, with any that failed to load"
                   ).set_defaults(handler=_cmd_plugins)
    try:
        from .device_cli import add_device_commands
    except ImportError:  # pragma: no cover - the devices front end is part of the package
        pass
    else:
        add_device_commands(sub)
    return parser


def _one_line_warning(message: Any, category: type, filename: str, lineno: int,
                      line: str | None = None) -> str:
    """Warnings as the command line prints them: one line, no Python source."""
    return f"qfoundry: warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import warnings

    saved, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # `qfoundry devices | head`: the reader left, nothing went wrong
        try:  # point stdout at /dev/null so the flush at exit cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # 128 + SIGPIPE, what a Unix tool killed by the closed pipe reports
    except (QfoundryError, OSError, ValueError, TypeError, json.JSONDecodeError) as exc:
        if os.environ.get("QFOUNDRY_DEBUG"):
            raise
        print(f"qfoundry: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        warnings.formatwarning = saved


def _load_run_input(path: str) -> Any:
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as fh:
            try:
                return json.load(fh)
            except json.JSONDecodeError as exc:
                raise QfoundryError(f"{path}: not valid JSON: {exc}") from None
    if not os.path.exists(path):
        raise QfoundryError(f"{path}: no such file")
    return path  # .qasm and other circuit files: run() reads them


def _cmd_run(args: argparse.Namespace) -> int:
    backend = registry.get_backend(args.backend, engine=args.engine)
    options: dict[str, Any] = {}
    if args.shots is not None:
        options["shots"] = args.shots
    if args.seed is not None:
        options["seed_simulator"] = args.seed
    if args.memory:
        options["memory"] = True
    job = backend.run(_load_run_input(args.file), **options)
    _wait_with_progress(job, show=not args.json and sys.stderr.isatty())
    result = job.result()
    _print_result(result, as_json=args.json)
    if args.plot:  # after the figures are out, so a picture that fails loses nothing
        _plot_result(result, args.plot)
    return 0


def _print_result(result: Any, *, as_json: bool) -> None:
    if as_json:
        out = {"backend": result.backend_name, "job_id": result.job_id, "results": []}
        for exp in result.results:
            entry: dict[str, Any] = {"name": exp.name, "shots": exp.shots,
                                     "seed_simulator": exp.seed_simulator}
            for key, getter in (("counts", result.get_counts), ("memory", result.get_memory)):
                if key in exp.data:
                    entry[key] = getter(result.results.index(exp))
            for key in ("statevector", "unitary", "density_matrix"):
                if key in exp.data:
                    entry[key] = exp.data[key]
            out["results"].append(entry)
        print(json.dumps(out, cls=QobjEncoder, indent=2))
        return
    for index, exp in enumerate(result.results):
        print(f"{exp.name or f'experiment {index}'} on {result.backend_name} "
              f"({exp.shots} shots, seed {exp.seed_simulator})")
        if "counts" in exp.data:
            print(_counts_table(result.get_counts(index), exp.shots))
        if "memory" in exp.data:
            print("memory:", ", ".join(result.get_memory(index)))  # keys may hold spaces
        for key in ("statevector", "unitary", "density_matrix"):
            if key in exp.data:
                print(f"{key}:\n{exp.data[key]}")


def _plot_result(result: Any, path: str) -> None:
    """Write the counts of every experiment as one histogram (legend by experiment), or
    else the first experiment's statevector or density matrix."""
    from . import visualization as vis

    exps = [(k, e) for k, e in enumerate(result.results) if "counts" in e.data]
    first = result.results[0].data if result.results else {}
    if exps:
        names = [e.name or f"experiment {k}" for k, e in exps]
        fig = vis.plot_histogram([result.get_counts(k) for k, _ in exps],
                                 legend=names if len(exps) > 1 else None,
                                 title=f"{names[0] if len(exps) == 1 else ''} on "
                                       f"{result.backend_name}".strip())
    elif "statevector" in first:
        fig = vis.plot_state(result.get_statevector(0))
    elif "density_matrix" in first:
        fig = vis.plot_density_matrix(result.get_density_matrix(0))
    else:
        raise QfoundryError(f"--plot {path}: the result has no counts, statevector or "
                            "density matrix to draw")
    fig.savefig(path, dpi=120)
    print(f"picture: {path}", file=sys.stderr)  # stderr: --json output stays clean


def _counts_table(counts: dict[str, int], shots: int) -> str:
    if not counts:
        return "  (no measurements)"
    width = max(len("outcome"), *(len(k) for k in counts))
    lines = [f"  {'outcome':<{width}}  {'count':>7}  probability"]
    for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {key:<{width}}  {value:>7}  {value / max(shots, 1):.4f}")
    return "\n".join(lines)


def _wait_with_progress(job: Any, *, show: bool, delay: float = 1.0) -> None:
    """Wait for the job; once it has run ``delay`` seconds, draw a progress bar on stderr
    (never on stdout, so ``--json`` output stays clean)."""
    if not show:
        job.wait_for_final_state()
        return
    start = time.perf_counter()
    drawn = False

    def draw() -> None:
        done, total = job.progress()
        filled = int(30 * done / total) if total else 30
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} "
                         f"experiments, {time.perf_counter() - start:.1f} s")
        sys.stderr.flush()

    while not job.in_final_state():
        threading.Event().wait(0.1)
        if time.perf_counter() - start >= delay:
            draw()
            drawn = True
    if drawn or time.perf_counter() - start >= delay:
        draw()
        sys.stderr.write("\n")


def _cmd_backends(args: argparse.Namespace) -> int:
    reg = registry.get_registry()
    for name in reg.backend_names():
        if name in reg.backends:
            config = reg.backends[name].configuration()
            kind = f"engine {getattr(config, 'engine', '?')}"
            print(f"{name:<28} {config.n_qubits:>4} qubits  {kind}")
        else:
            src = reg.get_device_source(name)
            print(f"{name:<28} {src.n_qubits:>4} qubits  device {src.name}, "
                  f"engine {src.default_engine}")
    return 0


def _cmd_engines(args: argparse.Namespace) -> int:
    reg = registry.get_registry()
    for name in sorted(reg.engines):
        engine = reg.engines[name]
        noisy = "noisy" if engine.models_noise else "ideal"
        plugin = reg.origin[("engines", name)]
        print(f"{name:<16} {noisy:<6} plugin {plugin:<16} {engine.description}")
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from .plugin_manager import plugin_infos

    for info in plugin_infos():
        dist = f"{info.distribution} {info.version}" if info.distribution else "(no distribution)"
        state = "ok" if info.loaded else f"FAILED: {info.error}"
        print(f"{info.name:<16} {info.value:<40} {dist:<24} {state}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
