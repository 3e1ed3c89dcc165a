"""cajal.utils: data loading (cajal.utils.data)."""
from . import data  # noqa: F401
