from propcli.cli.app import main

main()
