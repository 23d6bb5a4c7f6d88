"""kernelgen.torch under DistributedDataParallel: two processes (gloo, a file store) train three steps of a spiking
network; both ranks hold identical gradients and parameters, equal to one process training on the whole batch;
the same torch.manual_seed on every rank draws the same noise keys, a seed per rank other ones."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spikede_reference import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def run(world, tmp_path):
    # A file store (not tcp://): no port to race for and no store server on rank 0 whose exit could leave rank 1
    # waiting in destroy_process_group (a CI run hung there once, 300 s, with the tcp:// store).
    store = tmp_path / f"store-{world}"
    outs = [tmp_path / f"rank{r}-of-{world}.pt" for r in range(world)]
    processes = [subprocess.Popen([sys.executable, str(WORKER), str(r), str(world), f"file://{store}", str(outs[r])],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ))
                 for r in range(world)]
    try:
        for p in processes:
            try:
                output, _ = p.communicate(timeout=240)
            except subprocess.TimeoutExpired:
                p.kill()
                output, _ = p.communicate()
                pytest.fail(f"rank {processes.index(p)} of {world} hung; its output:\n"
                            + output.decode(errors="replace")[-3000:])
            assert p.returncode == 0, output.decode(errors="replace")[-3000:]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    return [torch.load(o) for o in outs]


@pytest.mark.skipif(not torch.distributed.is_available(), reason="this torch build has no torch.distributed")
def test_ddp_gradients_agree_across_ranks_and_with_one_process(tmp_path):
    rank0, rank1 = run(2, tmp_path)
    (alone,) = run(1, tmp_path)
    for step in range(3):
        for g0, g1, g in zip(rank0["grads"][step], rank1["grads"][step], alone["grads"][step]):
            assert torch.equal(g0, g1), "the ranks' gradients differ"
            torch.testing.assert_close(g0, g, rtol=1e-12, atol=1e-14)
    for p0, p1 in zip(rank0["params"], rank1["params"]):
        assert torch.equal(p0, p1)
    assert torch.equal(rank0["same_seed"], rank1["same_seed"]), "the same seed drew other keys on another rank"
    assert not torch.equal(rank0["per_rank"], rank1["per_rank"]), "a seed per rank drew the same noise"
