from crpnbench.cli import main

main()
