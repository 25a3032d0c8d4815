"""One module per CLI subcommand; each exposes a Click command named ``command``."""
