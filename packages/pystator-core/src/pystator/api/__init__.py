"""Forwarding package: ``pystator.api.main:app`` resolves to the ``pystator-api`` distribution.

Nothing here is imported by ``import pystator``; only ``uvicorn pystator.api.main:app`` (or an explicit
``import pystator.api.main``) reaches for FastAPI.
"""
