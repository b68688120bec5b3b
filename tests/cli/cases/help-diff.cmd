jmine diff --help
