"""Read a YAML data file and say on which line a value sits, so that a validation error can
name the file, the line and the problem."""

from pathlib import Path
from typing import Any

import yaml


class DataFileError(Exception):
    """A data file is malformed; the message names the file, the line and the problem."""


def _node_at(node: yaml.Node, path: tuple[Any, ...]) -> yaml.Node:
    """The deepest node along `path` (mapping keys and sequence indexes) that exists."""
    for step in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            match = node.value[step] if step < len(node.value) else None
        else:
            match = None
        if match is None:
            break
        node = match
    return node


class YamlFile:
    """A parsed YAML file: `data` (plain Python) and `line(path)` for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "?"
            problem = getattr(exc, "problem", None) or str(exc)
            raise DataFileError(f"{path.name}, {where}: not valid YAML: {problem}") from exc

    def line(self, path: tuple[Any, ...]) -> int:
        if self.root is None:
            return 1
        return _node_at(self.root, path).start_mark.line + 1

    def error(self, path: tuple[Any, ...], problem: str) -> DataFileError:
        where = ".".join(str(p) for p in path)
        return DataFileError(
            f"{self.path.name}, line {self.line(path)}: {where + ': ' if where else ''}{problem}"
        )


def validation_error(file: YamlFile, exc: Any) -> DataFileError:
    """A pydantic `ValidationError` as one message, each problem with its line."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        where = ".".join(str(p) for p in loc)
        problems.append(f"line {file.line(loc)}: {where}: {err['msg']}")
    return DataFileError(f"{file.path.name}, " + "; ".join(problems))
