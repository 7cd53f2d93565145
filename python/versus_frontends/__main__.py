"""python -m versus_frontends --train|--run FRAMEWORK: one training request or op case (JSON line) on
stdin, progress lines and one reply line on stdout, as the C++ workers' --train and --run (spawned by
versus, not by people)."""
import importlib
import json
import sys
import traceback

from . import protocol

FRONTENDS = {"tensorflow": "keras_frontend", "mxnet": "gluon_frontend", "torch": "torch_frontend"}


def last_line(error):
    """The exception's last line, as Python prints it: 'ValueError: ...'."""
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else type(error).__name__


def main(argv):
    protocol.die_with_parent()
    protocol.apply_memory_limit()
    protocol.take_over_stdout()
    if len(argv) != 3 or argv[1] not in ("--train", "--run") or argv[2] not in FRONTENDS:
        print(f"usage: python -m versus_frontends --train|--run {'|'.join(FRONTENDS)}  (spawned by versus)",
              file=sys.stderr)
        return 2
    framework = argv[2]
    line = sys.stdin.readline()
    if not line:
        protocol.reply({"status": "error", "reason": "worker received no request on stdin"})
        return 1
    try:
        from .inputs import InputsMismatch  # numpy: a missing one is a named error, not a silent crash
    except ImportError as e:
        protocol.reply({"status": "error", "reason": f"{framework} (Python) cannot import {e.name}: run scripts/setup"})
        return 1
    try:
        frontend = importlib.import_module(f"{__package__}.{FRONTENDS[framework]}")
        if argv[1] == "--run":
            from .ops import run_case
            reply = run_case(framework, frontend, json.loads(line))
            protocol.reply(reply)
            return 0 if reply["status"] == "ok" else 1
        from .train_loop import run_training
        protocol.reply(run_training(framework, frontend, json.loads(line), protocol.progress))
        return 0
    except protocol.Unsupported as e:
        protocol.reply({"status": "unsupported", "reason": str(e)})
    except InputsMismatch as e:
        protocol.reply({"status": "error", "reason": f"inputs differ from the C++ tier's: {e}"})
    except Exception as e:  # the frontend's own failure: its last line names it
        traceback.print_exc(file=sys.stderr)
        protocol.reply({"status": "error", "reason": f"{framework} (Python) raised {last_line(e)}"})
    return 1


sys.exit(main(sys.argv))
