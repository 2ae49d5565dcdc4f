"""Unit tests of the hastack_lab package."""
