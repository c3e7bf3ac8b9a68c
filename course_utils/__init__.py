"""Código de apoyo del curso de redes neuronales con PyTorch."""

from course_utils.config import get_settings, setup

__all__ = ["get_settings", "setup"]
