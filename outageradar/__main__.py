from outageradar.cli import main

main()
