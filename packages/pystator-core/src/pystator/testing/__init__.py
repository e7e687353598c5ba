"""Test support shipped with the library: conformance suites every backend passes, a fake clock.

Import the submodules you need (``pystator.testing.clock``, ``pystator.testing.store_conformance``,
``pystator.testing.scheduler_conformance``); importing this package imports nothing else.
"""
