"""The Python blocks of docs/pytorch.md run, in order, in one namespace (each block's asserts are its checks),
so the page a researcher follows stays true."""
import re
from pathlib import Path

from spikede_reference import torch  # noqa: F401 (skips with the install command when torch is missing)

DOC = Path(__file__).resolve().parents[2] / "docs" / "pytorch.md"


def blocks():
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_page_has_runnable_examples():
    assert len(blocks()) >= 5


def test_every_python_block_runs():
    namespace = {"__name__": "docs_pytorch"}
    for i, code in enumerate(blocks()):
        try:
            exec(compile(code, f"docs/pytorch.md block {i}", "exec"), namespace)
        except Exception as error:  # name the block in the failure
            raise AssertionError(f"docs/pytorch.md python block {i} failed: {error!r}\n{code}") from error
