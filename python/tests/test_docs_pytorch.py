"""The Python blocks of docs/pytorch.md and docs/neurons.md run, in order, in one namespace per page (each block's
asserts are its checks), so the pages a researcher follows stay true."""
import re
from pathlib import Path

import pytest

from spikede_reference import torch  # noqa: F401 (skips with the install command when torch is missing)

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = {"pytorch.md": 5, "neurons.md": 1}


def blocks(page):
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_has_runnable_examples(page):
    assert len(blocks(page)) >= PAGES[page]


@pytest.mark.parametrize("page", PAGES)
def test_every_python_block_runs(page):
    namespace = {"__name__": "docs_" + page.split(".")[0]}
    for i, code in enumerate(blocks(page)):
        try:
            exec(compile(code, f"docs/{page} block {i}", "exec"), namespace)
        except Exception as error:  # name the block in the failure
            raise AssertionError(f"docs/{page} python block {i} failed: {error!r}\n{code}") from error
