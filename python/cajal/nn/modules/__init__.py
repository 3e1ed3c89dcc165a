"""cajal.nn.modules: the Module classes, one file per family (torch.nn.modules' layout):
parameter, module (the base class), _cpp (the wrapper of C++ layers), linear, conv, pooling,
normalization, norm (LayerNorm, RMSNorm), attention, transformer (layers, stacks and positional
encodings), rnn, sparse (Embedding), activation, dropout, container, loss, padding, upsampling, branch (Concat,
Residual) and cbam (SpatialAttention). cajal.nn re-exports every public name."""
from ._cpp import _WRAPPERS, _CppModule, _wrap_cpp
from .activation import (ELU, GELU, SELU, Atan, Flatten, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax,
                         Softplus, Step, Tanh, _activation, _SoftmaxBase)
from .branch import Concat, Residual
from .cbam import SpatialAttention
from .container import ModuleDict, ModuleList, Sequential, _Container
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .linear import Identity, Linear, Perceptron
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, _Loss
from .module import Module, _Handle
from .normalization import BatchNorm1d, BatchNorm2d, _BatchNorm
from .norm import LayerNorm, RMSNorm
from .attention import AdditiveAttention, LuongAttention, MultiheadAttention
from .transformer import (LearnedPositionalEmbedding, RotaryPositionalEmbedding, SinusoidalPositionalEncoding,
                          Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
from .padding import ZeroPad2d
from .parameter import Parameter, _IncompatibleKeys, _to_tensor
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, MinGRU, MinLSTM, RNNCell
from .sparse import Embedding, EmbeddingBag
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, _AdaptivePool2d, _Pool2d
from .upsampling import Upsample


__all__ = [
    "Parameter", "Module",
    "Linear", "Identity", "Perceptron", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d",
    "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softplus", "Atan", "Step", "GELU", "ELU", "SELU", "SiLU", "Flatten",
    "Softmax", "LogSoftmax", "Dropout",
    "Sequential", "ModuleList", "ModuleDict",
    "ConvTranspose2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MinGRU", "MinLSTM", "Embedding", "EmbeddingBag",
    "LayerNorm", "RMSNorm", "MultiheadAttention", "AdditiveAttention", "LuongAttention", "TransformerEncoderLayer",
    "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder", "Transformer",
    "SinusoidalPositionalEncoding", "LearnedPositionalEmbedding", "RotaryPositionalEmbedding",
    "Conv1d", "Dropout2d", "ZeroPad2d", "Upsample", "Concat", "Residual", "SpatialAttention",
    "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "KLDivLoss",
]
