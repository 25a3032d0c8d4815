"""One module per CLI subcommand; each exposes a Click command named ``command``.

:mod:`crpnbench.commands.options` defines every option that more than one command has, once.
"""
