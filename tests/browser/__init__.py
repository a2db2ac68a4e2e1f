"""Browser tests (a package, so that its conftest.py does not replace tests/conftest.py as ``conftest``)."""
