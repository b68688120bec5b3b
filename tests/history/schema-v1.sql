-- SPDX-License-Identifier: MIT
-- A jmine history of schema version 1 (docs/history.md) holding one run, for the upgrade test:
-- version 2 added runs.privacy and the run_channels table.
PRAGMA application_id = 1785555310;
PRAGMA user_version = 1;
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  version TEXT NOT NULL,
  command TEXT NOT NULL,
  options TEXT NOT NULL,
  inputs_key TEXT,
  journeys INTEGER NOT NULL
);
CREATE INDEX runs_by_inputs ON runs (inputs_key, options);
CREATE TABLE run_inputs (run INTEGER NOT NULL, position INTEGER NOT NULL, path TEXT NOT NULL,
  size INTEGER, sha256 TEXT, PRIMARY KEY (run, position));
CREATE TABLE run_kpis (run INTEGER NOT NULL, name TEXT NOT NULL, value,
  PRIMARY KEY (run, name));
CREATE TABLE run_variants (run INTEGER NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL,
  steps TEXT NOT NULL, count INTEGER NOT NULL, share REAL NOT NULL,
  median_duration_s REAL, mean_duration_s REAL, PRIMARY KEY (run, id));
CREATE TABLE run_transitions (run INTEGER NOT NULL, from_step TEXT NOT NULL,
  to_step TEXT NOT NULL, count INTEGER NOT NULL, median_s REAL, p90_s REAL, max_s REAL,
  total_s REAL, long_waits INTEGER, PRIMARY KEY (run, from_step, to_step));
CREATE TABLE run_steps (run INTEGER NOT NULL, step TEXT NOT NULL, events INTEGER NOT NULL,
  journeys INTEGER NOT NULL, self_loops INTEGER NOT NULL, repetitions INTEGER NOT NULL,
  PRIMARY KEY (run, step));
INSERT INTO runs VALUES (1, '2026-11-30T02:00:00Z', '2026-11-30T02:00:04Z', '0.1.0', 'report',
  '{"--step":"activity"}', NULL, 6);
INSERT INTO run_inputs VALUES (1, 0, 'old.csv', 321, NULL);
INSERT INTO run_kpis (run, name, value) VALUES (1, 'input.rows', 11), (1, 'journeys.count', 6),
  (1, 'journeys.contacts.median', 2), (1, 'journeys.duration_s.median', 10800.0),
  (1, 'variants.count', 3), (1, 'loops.journeys_with_loop', 0), (1, 'waits.long_waits', 0),
  (1, 'waits.journeys_with_long_wait', 0), (1, 'waits.overlaps', 0);
INSERT INTO run_variants VALUES
  (1, '3e91de3f02dafef1', 1, '["Call","Resolved"]', 3, 0.5, 10800.0, 10800.0),
  (1, '939f607f8ef0472e', 2, '["Chat","Resolved"]', 2, 0.333333, 10800.0, 10800.0),
  (1, '3b7a0d8b9b563de3', 3, '["Email"]', 1, 0.166667, 0.0, 0.0);
INSERT INTO run_transitions VALUES (1, 'Call', 'Resolved', 3, 0.0, 0.0, 0.0, 0.0, 0),
  (1, 'Chat', 'Resolved', 2, 0.0, 0.0, 0.0, 0.0, 0);
INSERT INTO run_steps VALUES (1, 'Call', 3, 3, 0, 0), (1, 'Resolved', 5, 5, 0, 0),
  (1, 'Chat', 2, 2, 0, 0), (1, 'Email', 1, 1, 0, 0);
