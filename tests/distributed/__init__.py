"""Tests of engine.distributed, optim.distributed and nn.data.distributed (multi-rank parts run under mpiexec)."""
