"""``nn.models``: a small model zoo — ``MLP``, ``LeNet5``, CIFAR-style ``ResNet`` (``resnet8``,
``resnet20``), ``Autoencoder``/``ConvAutoencoder``/``DenoisingAutoencoder`` and ``LSTMClassifier``."""
from .autoencoder import Autoencoder, ConvAutoencoder, DenoisingAutoencoder
from .lenet import LeNet5
from .lstm_classifier import LSTMClassifier
from .mlp import MLP
from .resnet import BasicBlock, ResNet, resnet8, resnet20, resnet32

__all__ = ["MLP", "LeNet5", "ResNet", "BasicBlock", "resnet8", "resnet20", "resnet32", "Autoencoder",
           "ConvAutoencoder", "DenoisingAutoencoder", "LSTMClassifier"]
