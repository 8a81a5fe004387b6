"""Data-parallel training over MPI (mpi4py) and, for CuPy arrays on GPUs, NCCL.

``Communicator`` gives rank, size, ``allreduce_mean``/``allreduce_sum`` (all arrays packed into one
buffer per reduction), ``broadcast``, ``bcast_object`` and ``barrier``, each with a deadline that aborts
the job instead of hanging.  mpi4py is imported only when a Communicator is made, so this package (and
``import engine``) work without the ``distributed`` extra.  ``optim.DistributedOptimizer`` and
``broadcast_parameters`` build on it; ``nn.data.DistributedSampler`` shards data by rank.  Launch with
``mpiexec -n N python train.py``; :mod:`engine.distributed.launch` finds ``mpiexec`` for tests and benchmarks.
"""
from ._mpi import mpi_available
from .agreement import CollectiveMismatchError
from .communicator import Communicator
from .nccl_backend import nccl_available

__all__ = ["CollectiveMismatchError", "Communicator", "create_communicator", "mpi_available", "nccl_available"]


def create_communicator(**kwargs) -> Communicator:
    """``Communicator(**kwargs)`` over MPI.COMM_WORLD (the ChainerMN spelling)."""
    return Communicator(**kwargs)
