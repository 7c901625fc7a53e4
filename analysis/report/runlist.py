"""The run list (``report.yaml``): read it and reject anything that is not a well-formed run,
naming the file, line, run and key. Its format is documented at the top of report.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import config
from ..echo import shown
from .core import ReportError, Run, did_you_mean, display_path

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_NAMES = {"index", "manifest"}
TOP_KEYS = ("notebooks_dir", "runs")
RUN_KEYS = ("description", "findings", "name", "notebook", "parameters")
MAX_BYTES = 1_000_000  # a run list larger than this is not a run list
MAX_NODES = 100_000  # YAML nodes after aliases are expanded (an alias bomb expands to billions)


def _r(value: Any) -> str:
    """A value from the run list as shown in a message: its repr, escaped and bounded."""
    return shown(repr(value), 200)


def _expanded_size(root: Any, budget: int) -> int:
    """Nodes of a composed YAML tree counting every alias as the copy it becomes; stops past ``budget``."""
    count, stack = 0, [root]
    while stack and count <= budget:
        node = stack.pop()
        count += 1
        value = getattr(node, "value", None)
        if isinstance(value, list):
            for item in value:
                stack.extend(item if isinstance(item, tuple) else (item,))
    return count


def _yaml_loader():
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last)."""

        def construct_mapping(self, node, deep=False):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {_r(key)} given twice (first on line {seen[key]})", key_node.start_mark
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return yaml, UniqueKeyLoader


def _read_yaml(path: Path, label: str) -> tuple[Any, Any]:
    """The parsed document and its node tree (for line numbers), or ReportError."""
    yaml, loader = _yaml_loader()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError([f"{label}: cannot read the run list: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ReportError([f"{label}:{line}: not UTF-8 text (byte at offset {exc.start}; allowed: a UTF-8 YAML file)"]) from None
    if len(text) > MAX_BYTES:
        raise ReportError([f"{label}: {len(text)} characters (allowed: a run list of at most {MAX_BYTES})"])
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        if _expanded_size(tree, MAX_NODES) > MAX_NODES:
            raise ReportError([f"{label}: more than {MAX_NODES} values once its aliases (*name) are expanded "
                               "(allowed: a run list that stays that small; an alias bomb is not)"])
        doc = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReportError([f"{where}: not valid YAML: {shown(problem, 300)}"]) from None
    return doc, tree


def _check_top(doc: dict, label: str, path: Path, problems: list[str]) -> Path:
    """Top-level keys; returns the notebooks folder."""
    for key in doc:
        if key not in TOP_KEYS:
            problems.append(f"{label}: unknown top-level key {_r(key)}{did_you_mean(str(key), TOP_KEYS)}; "
                            f"allowed: {', '.join(TOP_KEYS)}")
    notebooks_dir = config.NOTEBOOKS_DIR
    if "notebooks_dir" in doc:
        value = doc["notebooks_dir"]
        if not isinstance(value, str) or not value:
            problems.append(f"{label}: notebooks_dir: expected a folder path (str), got {_r(value)}")
        else:
            notebooks_dir = (path.parent / value).resolve()
            if not notebooks_dir.is_dir():
                problems.append(f"{label}: notebooks_dir: folder not found: {notebooks_dir}")
    return notebooks_dir


def load_runs(path: Path) -> list[Run]:
    """Parse and check the run list; return the runs (notebooks resolved in its notebooks folder), or raise ReportError."""
    label = display_path(path)
    doc, tree = _read_yaml(path, label)
    if not isinstance(doc, dict):
        raise ReportError([f"{label}: expected a mapping with a 'runs' list at the top, got {type(doc).__name__}"])
    problems: list[str] = []
    notebooks_dir = _check_top(doc, label, path, problems)
    items = doc.get("runs")
    if not isinstance(items, list) or not items:
        problems.append(f"{label}: 'runs' must be a non-empty list of runs, got {_r(items)}")
        raise ReportError(problems)
    lines = _run_lines(tree)
    runs: list[Run] = []
    first_seen: dict[str, str] = {}
    for i, item in enumerate(items):
        at = f"{label}:{lines[i]}" if i < len(lines) else label
        run = _check_run(i, item, at, notebooks_dir, first_seen, problems)
        if run is not None:
            runs.append(run)
    marked = [r for r in runs if r.findings]
    if len(marked) > 1:
        problems.append(f"{label}: findings: true is set on {len(marked)} runs ({', '.join(r.name for r in marked)}); "
                        "allowed: one run, whose data and check parameters give findings.json")
    if problems:
        raise ReportError(problems)
    return runs


def _check_run(i: int, item: Any, at: str, notebooks_dir: Path, first_seen: dict[str, str],
               problems: list[str]) -> Run | None:
    """One item of ``runs``: a Run, or None with its problems appended."""
    if not isinstance(item, dict):
        problems.append(f"{at}: runs[{i}]: expected a mapping with name, notebook, parameters; got {_r(item)}")
        return None
    name = item.get("name")
    where = f"{at}: " + (f"run '{shown(name)}'" if isinstance(name, str) else f"runs[{i}]")
    for key in item:
        if key not in RUN_KEYS:
            problems.append(f"{where}: unknown key {_r(key)}{did_you_mean(str(key), RUN_KEYS)}; "
                            f"allowed: {', '.join(RUN_KEYS)}")
    name_ok = _check_name(name, where, at, first_seen, problems)
    notebook = _check_notebook(item.get("notebook"), where, notebooks_dir, problems)
    params = item.get("parameters", {})
    if params is None:
        params = {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        problems.append(f"{where}: parameters: expected a mapping of name: value, got {_r(params)}")
        params = None
    elif "output_dir" in params:
        problems.append(f"{where}: parameters: output_dir is set by the runner (figures/<name>/); remove it")
    description = item.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}: description: expected text, got {_r(description)}")
        description = ""
    findings = item.get("findings", False)
    if not isinstance(findings, bool):
        problems.append(f"{where}: findings: expected true or false, got {_r(findings)}")
        findings = False
    if name_ok and notebook is not None and params is not None:
        return Run(name, notebook, item["notebook"], dict(params), description, where, findings)
    return None


def _check_name(name: Any, where: str, at: str, first_seen: dict[str, str], problems: list[str]) -> bool:
    if name is None:
        problems.append(f"{where}: name: missing (a unique name of [a-z0-9-], the folder under figures/)")
    elif not isinstance(name, str) or not NAME_RE.match(name):
        problems.append(f"{where}: name: {_r(name)} must be lowercase letters, digits and '-', "
                        f"starting with a letter or digit")
    elif name in RESERVED_NAMES:
        problems.append(f"{where}: name: '{name}' is reserved (the report's {name} file)")
    elif name in first_seen:
        problems.append(f"{where}: name: '{name}' is used twice (first at {first_seen[name]})")
    else:
        first_seen[name] = at
        return True
    return False


def _check_notebook(ref: Any, where: str, notebooks_dir: Path, problems: list[str]) -> Path | None:
    if ref is None:
        problems.append(f"{where}: notebook: missing (a .ipynb file in {display_path(notebooks_dir)})")
        return None
    if not isinstance(ref, str) or not ref.endswith(".ipynb"):
        problems.append(f"{where}: notebook: expected a .ipynb file name, got {_r(ref)}")
        return None
    notebook = (notebooks_dir / ref).resolve()
    if not notebook.is_relative_to(notebooks_dir.resolve()):
        problems.append(f"{where}: notebook: {_r(ref)} is outside notebooks_dir "
                        f"(allowed: a .ipynb file in {display_path(notebooks_dir)} or a folder under it)")
        return None
    if not notebook.is_file():
        problems.append(f"{where}: notebook: file not found: {display_path(notebook)}")
        return None
    return notebook


def _run_lines(tree) -> list[int]:
    """Line number of each item of the top-level ``runs`` list (for messages)."""
    try:
        for key, value in tree.value:
            if key.value == "runs":
                return [item.start_mark.line + 1 for item in value.value]
    except (AttributeError, TypeError):
        pass
    return []
