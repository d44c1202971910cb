"""Utilities that two or more of the collection's Spaces use.

Kept free of torch on purpose: importing ``shared`` must stay cheap, and ``spaces``
(ZeroGPU) has to be imported before torch, which ``shared.gpu`` does.
"""
