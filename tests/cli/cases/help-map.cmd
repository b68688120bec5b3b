jmine map --help
