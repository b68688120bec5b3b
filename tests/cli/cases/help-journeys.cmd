jmine journeys --help
