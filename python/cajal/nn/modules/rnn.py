"""RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell (torch.nn's arguments, parameter names, gate order
and init) and MinGRU, MinLSTM: the C++ recurrent layers of cajal/nn/rnn.h and rnn_min.h.

Variable-length batches take `lengths` (a list or an int64 tensor, one per sequence) where torch
takes a PackedSequence: forward(padded, hx, lengths=lens, enforce_sorted=...) gives what
pack_padded_sequence + the layer + pad_packed_sequence(total_length=seq_len) give in torch
(outputs past each length are zero; the final state is the state at the length)."""
from ..._ext import _C
from ._cpp import _CppModule

_cnn = _C._nn


class _RNNBase(_CppModule):
    _mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, generator=None):
        _CppModule.__init__(self, _cnn.RNNBase(self._mode, input_size, hidden_size, num_layers, nonlinearity, bias,
                                               batch_first, float(dropout), bidirectional, dtype=dtype,
                                               generator=generator))
        self._remember_args(input_size, hidden_size, num_layers=num_layers, nonlinearity=nonlinearity, bias=bias,
                            batch_first=batch_first, dropout=dropout, bidirectional=bidirectional, dtype=dtype)

    input_size = property(lambda self: self._cpp.input_size)
    hidden_size = property(lambda self: self._cpp.hidden_size)
    num_layers = property(lambda self: self._cpp.num_layers)
    bias = property(lambda self: self._cpp.bias)
    batch_first = property(lambda self: self._cpp.batch_first)
    dropout = property(lambda self: self._cpp.dropout)
    bidirectional = property(lambda self: self._cpp.bidirectional)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), torch.nn.RNN's
    arguments. forward(input, hx=None, lengths=None, enforce_sorted=True) -> (output, h_n)."""
    _mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, generator=None):
        _RNNBase.__init__(self, input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout,
                          bidirectional, dtype=dtype, generator=generator)

    nonlinearity = property(lambda self: self._cpp.nonlinearity)

    def forward(self, input, hx=None, lengths=None, enforce_sorted=True):
        out, h_n, _ = self._cpp.run(input, hx, None, lengths, enforce_sorted)
        return out, h_n


class LSTM(_RNNBase):
    """LSTM with gates (i, f, g, o), torch.nn.LSTM's arguments (no proj_size).
    forward(input, (h0, c0)=None, lengths=None, enforce_sorted=True) -> (output, (h_n, c_n))."""
    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None, generator=None):
        if proj_size:
            raise ValueError(f"LSTM: proj_size is not supported, got {proj_size}")
        _RNNBase.__init__(self, input_size, hidden_size, num_layers, "tanh", bias, batch_first, dropout,
                          bidirectional, dtype=dtype, generator=generator)

    def forward(self, input, hx=None, lengths=None, enforce_sorted=True):
        h0, c0 = (None, None) if hx is None else hx
        out, h_n, c_n = self._cpp.run(input, h0, c0, lengths, enforce_sorted)
        return out, (h_n, c_n)


class GRU(_RNNBase):
    """GRU with gates (r, z, n) and torch's n = tanh(W_in x + b_in + r (W_hn h + b_hn)).
    forward(input, hx=None, lengths=None, enforce_sorted=True) -> (output, h_n)."""
    _mode = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, generator=None):
        _RNNBase.__init__(self, input_size, hidden_size, num_layers, "tanh", bias, batch_first, dropout,
                          bidirectional, dtype=dtype, generator=generator)

    def forward(self, input, hx=None, lengths=None, enforce_sorted=True):
        out, h_n, _ = self._cpp.run(input, hx, None, lengths, enforce_sorted)
        return out, h_n


class _RNNCellBase(_CppModule):
    _mode = "RNNCell"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None,
                 generator=None):
        _CppModule.__init__(self, _cnn.RNNCellBase(self._mode, input_size, hidden_size, bias, nonlinearity,
                                                   dtype=dtype, generator=generator))
        self._remember_args(input_size, hidden_size, bias=bias, dtype=dtype)

    input_size = property(lambda self: self._cpp.input_size)
    hidden_size = property(lambda self: self._cpp.hidden_size)
    bias = property(lambda self: self._cpp.bias)

    def reset_parameters(self, generator=None):
        self._cpp.reset_parameters(generator)


class RNNCell(_RNNCellBase):
    """One Elman step, torch.nn.RNNCell: forward(input, hx=None) -> h'."""
    _mode = "RNNCell"

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None,
                 generator=None):
        _RNNCellBase.__init__(self, input_size, hidden_size, bias, nonlinearity, dtype=dtype, generator=generator)
        self._remember_args(input_size, hidden_size, bias=bias, nonlinearity=nonlinearity, dtype=dtype)

    nonlinearity = property(lambda self: self._cpp.nonlinearity)

    def forward(self, input, hx=None):
        return self._cpp.step(input, hx)


class LSTMCell(_RNNCellBase):
    """One LSTM step, torch.nn.LSTMCell: forward(input, (h, c)=None) -> (h', c')."""
    _mode = "LSTMCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, generator=None):
        _RNNCellBase.__init__(self, input_size, hidden_size, bias, dtype=dtype, generator=generator)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._cpp.step(input, h, c)


class GRUCell(_RNNCellBase):
    """One GRU step, torch.nn.GRUCell: forward(input, hx=None) -> h'."""
    _mode = "GRUCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None, generator=None):
        _RNNCellBase.__init__(self, input_size, hidden_size, bias, dtype=dtype, generator=generator)

    def forward(self, input, hx=None):
        return self._cpp.step(input, hx)


class _MinRNNBase(_CppModule):
    _mode = "MinGRU"

    def __init__(self, input_size, hidden_size, bias=True, batch_first=False, dtype=None, generator=None):
        _CppModule.__init__(self, _cnn.MinRNNBase(self._mode, input_size, hidden_size, bias, batch_first,
                                                  dtype=dtype, generator=generator))
        self._remember_args(input_size, hidden_size, bias=bias, batch_first=batch_first, dtype=dtype)

    input_size = property(lambda self: self._cpp.input_size)
    hidden_size = property(lambda self: self._cpp.hidden_size)
    batch_first = property(lambda self: self._cpp.batch_first)

    def forward(self, input, h0=None, mode="parallel"):
        """-> (output, h_n); mode 'parallel' (one log-space scan) or 'sequential' (step by step)."""
        return self._cpp.run(input, h0, mode)


class MinGRU(_MinRNNBase):
    """minGRU (the notes): z = s(x U_z + b_z), h~ = x U_h + b_h, h_t = z h~ + (1 - z) h_{t-1}."""
    _mode = "MinGRU"


class MinLSTM(_MinRNNBase):
    """minLSTM: h_t = f/(f + i) h_{t-1} + i/(f + i) h~, f, i sigmoid gates of x, h~ = x U_h + b_h."""
    _mode = "MinLSTM"
