"""The template's functions, run in this process as Lambda would run them.

Each handler is loaded from its CodeUri and called with a Lambda-like context;
its stdout (Powertools' log lines, EMF metrics) goes to the run's log file, and
an exception comes back as Lambda's function error.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import sys
import threading
import traceback
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from amt.local.template import FunctionSpec, LocalStack


@dataclass
class LambdaContext:
    """What a handler's ``context`` offers, for a local invocation."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class _HandlerOutput:
    """Handlers' stdout. Powertools' Logger keeps the stream it saw at import, so the
    handlers always see this one object, which writes to the current run's log file.

    It is the process's sys.stdout while a handler runs, so the threads that were already
    running (the engine's, the live view's, a concurrent ``amt stop``) keep writing where they
    wrote before; the handler's own thread and the threads it starts write to the log."""

    def __init__(self) -> None:
        self.target: Any = None
        self.previous: Any = None
        self.foreign: frozenset[int | None] = frozenset()

    def open(self, target: Any) -> None:
        self.previous = sys.stdout
        self.foreign = frozenset(t.ident for t in threading.enumerate() if t is not threading.current_thread())
        self.target = target

    def close(self) -> None:
        self.target, self.previous, self.foreign = None, None, frozenset()

    def _stream(self) -> Any:
        if self.target is not None and threading.get_ident() not in self.foreign:
            return self.target
        return self.previous or sys.__stdout__

    def write(self, text: str) -> int:
        return int(self._stream().write(text))

    def flush(self) -> None:
        self._stream().flush()


HANDLER_OUTPUT = _HandlerOutput()


class LocalFunctions:
    """Loads each template function's handler from its CodeUri and invokes it as Lambda would."""

    def __init__(self, stack: LocalStack, log_path: Path):
        self.specs = stack.functions()
        self.stack = stack
        self.log_path = log_path
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()

    def environment(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for spec in self.specs.values():
            for key, value in spec.environment.items():
                if merged.get(key, value) != value:
                    raise ValueError(f"functions disagree on {key}; the local runtime shares one environment")
                merged[key] = value
        return merged

    def _handler(self, spec: FunctionSpec) -> Callable[[dict, Any], Any]:
        module_name, function_name = spec.handler.rsplit(".", 1)
        if spec.logical_id not in self._modules:
            path = spec.code_dir / f"{module_name.replace('.', '/')}.py"
            module_spec = importlib.util.spec_from_file_location(f"amt_local_fn_{spec.logical_id}", path)
            assert module_spec and module_spec.loader
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_spec.name] = module  # pydantic resolves the handler's annotations there
            module_spec.loader.exec_module(module)
            self._modules[spec.logical_id] = module
        return getattr(self._modules[spec.logical_id], function_name)

    def invoke(self, function: str, payload: bytes) -> tuple[bytes, str | None]:
        """Lambda's Invoke: a function name or ARN and a JSON payload."""
        logical_id = function.rsplit(":", 1)[-1]
        spec = self.specs[logical_id]
        context = LambdaContext(function_name=logical_id, invoked_function_arn=self.stack.arns[logical_id])
        event = json.loads(payload or b"{}")
        with self._lock, self.log_path.open("a") as log, warnings.catch_warnings():
            HANDLER_OUTPUT.open(log)  # before sys.stdout is replaced: the other threads keep the one they had
            # A handler's warnings go to its log, as Lambda sends them to CloudWatch, not to the user's terminal.
            warnings.showwarning = functools.partial(_warning_to, log)
            try:
                with contextlib.redirect_stdout(HANDLER_OUTPUT):
                    return json.dumps(self._handler(spec)(event, context), default=str).encode(), None
            except Exception as error:  # noqa: BLE001 - Lambda reports any exception as a function error
                traceback.print_exc(file=log)
                body = {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exception(error),
                }
                return json.dumps(body).encode(), "Unhandled"
            finally:
                HANDLER_OUTPUT.close()


def _warning_to(log: Any, message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                line: str | None = None) -> None:
    log.write(warnings.formatwarning(message, category, filename, lineno, line))
