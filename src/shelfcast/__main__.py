from shelfcast.cli.main import main

main()
