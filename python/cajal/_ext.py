"""Finds the compiled extension: inside the package when installed (cajal/_cajal*.so), next to
the package in a build tree (<build>/python/_cajal*.so)."""
try:
    from . import _cajal as _C  # noqa: F401
except ImportError:
    import _cajal as _C  # noqa: F401
