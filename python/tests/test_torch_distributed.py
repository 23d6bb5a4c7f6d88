"""kernelgen.torch under DistributedDataParallel: two processes (gloo on 127.0.0.1) train three steps of a spiking
network; both ranks hold identical gradients and parameters, equal to one process training on the whole batch;
the same torch.manual_seed on every rank draws the same noise keys, a seed per rank other ones."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from spikede_reference import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(world, tmp_path):
    port = free_port()
    outs = [tmp_path / f"rank{r}-of-{world}.pt" for r in range(world)]
    processes = [subprocess.Popen([sys.executable, str(WORKER), str(r), str(world), str(port), str(outs[r])],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ))
                 for r in range(world)]
    for p in processes:
        output, _ = p.communicate(timeout=300)
        assert p.returncode == 0, output.decode(errors="replace")[-3000:]
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
