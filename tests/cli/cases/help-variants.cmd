jmine variants --help
