"""The kit's Python tools share this package: lab manifests (labs.py) and CTest runs (ctest.py)."""
