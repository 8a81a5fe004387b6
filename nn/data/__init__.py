"""``nn.data``: datasets, the DataLoader, the MNIST reader and batch transforms.

Only ``engine`` is needed here; see each module's docstring for the details."""
from . import transforms
from .distributed import DistributedShard, shard_indices
from .dataset import Dataset, Subset, TensorDataset, random_split, train_val_test_split
from .loader import DataLoader, default_collate
from .mnist import MNIST, IDXError, load_mnist, read_idx, read_idx_images, read_idx_labels

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "train_val_test_split",
    "DataLoader",
    "default_collate",
    "MNIST",
    "IDXError",
    "load_mnist",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "transforms",
    "DistributedShard",
    "shard_indices",
]
