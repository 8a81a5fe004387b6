"""``nn.data``: datasets, the DataLoader, image datasets (MNIST family, CIFAR), transforms, image utils.

Only ``engine`` is needed here; see each module's docstring for the details."""
from . import datasets, transforms, utils
from .distributed import DistributedShard, shard_indices
from .dataset import Dataset, Subset, TensorDataset, random_split, train_val_test_split
from .loader import DataLoader, default_collate
from .cifar import CIFAR10, CIFAR100
from .download import DownloadError
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST, IDXError, load_mnist, read_idx, read_idx_images, read_idx_labels

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "random_split",
    "train_val_test_split",
    "DataLoader",
    "default_collate",
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "EMNIST",
    "CIFAR10",
    "CIFAR100",
    "DownloadError",
    "datasets",
    "utils",
    "IDXError",
    "load_mnist",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "transforms",
    "DistributedShard",
    "shard_indices",
]
