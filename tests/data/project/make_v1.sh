#!/usr/bin/env bash
# Recreates v1.pdesk: a project file as written by schema version 1 (the first release), with a
# few rows, for the migration test. Usage: bash make_v1.sh [out.pdesk]
set -eu
out="${1:-$(dirname "$0")/v1.pdesk}"
rm -f "$out"
sqlite3 "$out" <<'SQL'
PRAGMA application_id = 1346661169;
PRAGMA journal_mode = DELETE;
CREATE TABLE models (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL, hash TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL DEFAULT '');
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', path TEXT NOT NULL,
  spec TEXT NOT NULL DEFAULT '{}', hash TEXT NOT NULL, class_names TEXT NOT NULL DEFAULT '[]',
  added_at TEXT NOT NULL DEFAULT '');
CREATE TABLE job_specs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, json TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, spec_id INTEGER NOT NULL REFERENCES job_specs(id),
  state TEXT NOT NULL CHECK (state IN
    ('queued','running','succeeded','failed','cancelled','interrupted')),
  started_at TEXT NOT NULL DEFAULT '', ended_at TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '', app_version TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '', experiment TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL DEFAULT '', shots INTEGER NOT NULL DEFAULT 0,
  seed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metric_series (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL, epoch INTEGER NOT NULL DEFAULT -1, name TEXT NOT NULL,
  value REAL NOT NULL);
CREATE INDEX metric_series_run ON metric_series(run_id, name, step);
CREATE TABLE final_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  value REAL NOT NULL, PRIMARY KEY (run_id, name));
INSERT INTO models(path, format, hash) VALUES('/models/clip-vit-b32.safetensors', 'safetensors',
  'aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11');
INSERT INTO datasets(name, path, hash, class_names) VALUES('pets', '/data/pets.csv',
  'bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22bb22', '["cat","dog"]');
INSERT INTO job_specs(kind, json, hash) VALUES('zero-shot', '{"kind":"zero-shot"}',
  'cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33cc33');
INSERT INTO runs(spec_id, state, started_at, ended_at, host, app_version, experiment, method,
  shots, seed) VALUES(1, 'succeeded', '2026-01-01T10:00:00Z', '2026-01-01T10:05:00Z', 'lab1',
  '0.0.9', 'pets-fewshot', 'zero-shot', 0, 1);
INSERT INTO runs(spec_id, state, host, experiment, method, shots, seed)
  VALUES(1, 'running', 'lab1', 'pets-fewshot', 'zero-shot', 0, 2);
INSERT INTO metric_series(run_id, step, epoch, name, value) VALUES(1, 1, 0, 'loss', 0.9);
INSERT INTO metric_series(run_id, step, epoch, name, value) VALUES(1, 2, 1, 'loss', 0.5);
INSERT INTO final_metrics(run_id, name, value) VALUES(1, 'accuracy', 0.875);
PRAGMA user_version = 1;
SQL
echo "wrote $out"
