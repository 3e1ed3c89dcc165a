"""cajal.nn.init: torch.nn.init's initialisers (same names, formulas and gains). Each fills its
tensor in place under no-grad and returns it; draws come from cajal's generator (pass
generator= for a private stream)."""
from .._ext import _C

globals().update({_k: _v for _k, _v in vars(_C._nn.init).items() if not _k.startswith("__")})
