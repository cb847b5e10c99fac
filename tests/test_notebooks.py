"""The study notebooks: committed clean, in step with their builder, and executing without error."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
NAMES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("notebook_builder", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_committed_without_outputs_and_matches_its_builder() -> None:
    builder = _builder()
    assert sorted(builder.NOTEBOOKS) == NAMES, "run python notebooks/build.py"
    for name in NAMES:
        committed = nbformat.read(NOTEBOOKS / name, as_version=4)
        for cell in committed.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name
        built = builder.build(name, builder.NOTEBOOKS[name])
        assert [c.source for c in committed.cells] == [c.source for c in built.cells], (
            f"{name} differs from notebooks/build.py: edit the builder, then run it"
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert images >= 2, f"{name} should draw its charts"
