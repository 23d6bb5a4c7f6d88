"""One rank of test_torch_distributed.py: trains a small spiking network with kernelgen.torch under
DistributedDataParallel (gloo, a file store) and saves its gradients, parameters and noise draws to a file.

    python ddp_worker.py RANK WORLD STORE_URL OUT   (WORLD = 1: the same training on the whole batch, no DDP)
"""
import sys

import torch
import torch.distributed as dist

import kernelgen.torch as kt


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(12, 24), kt.Spike("sigmoid", scale=3.0), torch.nn.Linear(24, 3))


def main(rank, world, store, out):
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group("gloo", init_method=store, rank=rank, world_size=world)
    net = model().double()
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(net)
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1)
    data = torch.Generator().manual_seed(1)
    x = torch.randn(16, 12, generator=data, dtype=torch.float64)
    target = torch.randint(0, 3, (16,), generator=data)
    part = slice(rank * 16 // world, (rank + 1) * 16 // world)
    grads = []
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(net(x[part]), target[part])
        optimiser.zero_grad()
        loss.backward()
        grads.append([p.grad.clone() for p in net.parameters()])
        optimiser.step()
    # noise keys: the same torch.manual_seed on every rank draws the same keys (the same noise per element)
    torch.manual_seed(1234)
    same_seed = kt.noisy_threshold_spike(torch.zeros(256))
    torch.manual_seed(1234 + rank)
    per_rank = kt.noisy_threshold_spike(torch.zeros(256))
    torch.save({"grads": grads, "params": [p.detach() for p in net.parameters()], "same_seed": same_seed,
                "per_rank": per_rank}, out)
    if world > 1:
        dist.barrier()  # both ranks have written their file before either tears the group down
        dist.destroy_process_group()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
