jmine report --help
