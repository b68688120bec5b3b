jmine merge --help
