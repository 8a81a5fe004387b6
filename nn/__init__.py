"""Kiln's neural-network package: ``Module``, ``Parameter``, containers, layers (linear, convolution,
normalisation, recurrent cells and layers, attention and the Transformer family), activations,
losses, initialisers (``nn.init``), the functional forms (``nn.functional``), ``nn.utils`` (gradient
clipping, parameter vectors, packed sequences), serialisation (``nn.save``/``nn.load``), L1/L2 weight
penalties, data loading (``nn.data``) and a model zoo (``nn.models``).

Names, parameter layouts and semantics follow PyTorch's ``torch.nn`` (see DESIGN.md)."""
from . import functional, init
from .activation import *  # noqa: F401,F403  (every Module of the activation spec, and the hand-written ones)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .regularization import l1_penalty, l2_penalty
from .serialization import load, save

from . import utils
from .rnn import GRU, LSTM, RNN
from .rnn_cells import GRUCell, LSTMCell, RNNCell
from .attention import MultiheadAttention
from .activation_torch import CELU, SELU, CosineSimilarity, Hardsigmoid, Hardswish, PairwiseDistance, Softmin
from .conv1d import Conv1d, ConvTranspose1d
from .dropout_channels import AlphaDropout, Dropout1d, Dropout2d, Dropout3d
from .losses_torch import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    PoissonNLLLoss,
    TripletMarginLoss,
)
# the losses torch has beyond those above
from .losses import NLLLoss2d
from .losses_torch import CTCLoss, MultiLabelMarginLoss, MultiMarginLoss, SoftMarginLoss, TripletMarginWithDistanceLoss
from .norms import GroupNorm, InstanceNorm1d, InstanceNorm2d, LocalResponseNorm
from .resample import PixelShuffle, PixelUnshuffle, Upsample, UpsamplingNearest2d
from .fold import Fold, Unfold
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
# pooling: torch's 1-d/3-d, adaptive max, unpooling and power-average pools
from .pooling import (  # noqa: E402
    AdaptiveAvgPool1d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
    AvgPool1d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
)

# padding, shrink/threshold activations, dropout, Bilinear, resampling
from .activation_extra import GLU, ChannelShuffle, Hardshrink, RReLU, Softmax2d, Softshrink, Tanhshrink, Threshold
from .dropout_channels import FeatureAlphaDropout
from .linear import Bilinear
from .padding import *  # noqa: F401,F403  (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad 1d/2d/3d)
from .resample import UpsamplingBilinear2d

# torch's 3-d norms, RMSNorm, Conv3d, ConvTranspose3d
from .normalization import BatchNorm3d, RMSNorm
from .norms import InstanceNorm3d
from .conv3d import Conv3d, ConvTranspose3d

# EmbeddingBag (over F.embedding_bag)
from .embedding_bag import EmbeddingBag

from . import data, models  # noqa: E402  (after the layers they build on)
