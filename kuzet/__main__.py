from kuzet.cli import main

main()
