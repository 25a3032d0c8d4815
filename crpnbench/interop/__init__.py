"""crpnbench trackers in other toolkits (:mod:`crpnbench.interop.got10k`: got10k's experiments)."""
