"""``nn.data.datasets``: the image datasets in one namespace, as ``torchvision.datasets`` has them.

``from nn.data import datasets`` then ``datasets.MNIST(root, train=True, download=True,
transform=...)``; see :mod:`nn.data.mnist` (MNIST, FashionMNIST, KMNIST, EMNIST) and
:mod:`nn.data.cifar` (CIFAR10, CIFAR100, binary format) for the files each reads.
"""
from .cifar import CIFAR10, CIFAR100, CIFARError
from .download import DownloadError
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST, IDXError
from .vision import VisionDataset

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100",
           "IDXError", "CIFARError", "DownloadError"]
