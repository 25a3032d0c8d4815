"""The C-RPN network: config, backbone, anchors, FTB, up-channel RPN heads, cascade and checkpoints.

Import submodules directly (``from crpnbench.models.crpn import CRPN``); this package does not import
torch on its own so that light modules (``anchors``, ``config``) stay cheap.
"""
