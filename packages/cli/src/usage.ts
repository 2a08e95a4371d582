// Help texts of the allo command, one per sub-command.

export const MAIN_HELP = `allo: low-redundant preference alignment (ALLO) of causal language models on TensorFlow.js

Usage: allo <command> [options]

Commands:
  run [config]          run a config; with none, the embedded default run (stories260K,
                        HH-RLHF harmless pairs, ALLO against a plain DPO baseline)
  validate <config>     check a config against the core and plugin schemas, print every problem
  plugins               list the installed plugins (id, kind, version, options)
  schema [--out FILE]   write the JSON Schema of configs (core + every plugin) for editors
  generate <model>      sample from a llama2.c file or a Hugging Face directory
  data <config>         load and tokenise a config's datasets, print counts and lengths
  report <run-dir>      rebuild report.html of a finished run

Options:
  -h, --help            help for allo or for a command (allo run --help)
  -v, --version         print the version

Exit status: 0 on success, 2 on a usage or config error, 1 on a failure while running.`;

export const RUN_HELP = `Usage: allo run [config] [--out DIR] [--seed N] [--quiet] [--json]

Runs the config's schedule (and its baselines), evaluates every model on the held-out pairs,
and writes a run directory: config.json, run.json, metrics.jsonl, eval.json, summary.json,
report.html, checkpoints/<model>/<stage>/ (Hugging Face format), masks/<model>-<stage>.safetensors
and cache/ (reference log-probs, reused by a later run with the same weights and data).

  config        JSON or YAML file merged over the embedded default (omit for the default run)
  --out DIR     run directory, new or empty (default runs/<name>-<timestamp>/)
  --seed N      overrides the config's seed
  --quiet       no progress bars, only the final table
  --json        one JSON event per line on stdout, for scripts and CI

Ctrl-C stops after the current step and leaves a valid run directory with the last finished
stage's checkpoint.`;

export const VALIDATE_HELP = `Usage: allo validate <config> [--json]

Checks the config (merged over the embedded default) against the core schema and every named
plugin's options schema; prints each problem as path: what is wrong, got X; did you mean Y?
Exit status 0 when valid, 2 otherwise.`;

export const PLUGINS_HELP = `Usage: allo plugins [--config FILE] [--json]

Lists built-in plugins and those a config's "plugins" list loads: kind, id, version, package
and options with their defaults.`;

export const SCHEMA_HELP = `Usage: allo schema [--out FILE] [--config FILE]

Prints (or writes) the JSON Schema of allo configs: the core keys plus every installed plugin's
options, so that editors complete and check configs given "$schema": "<that file>".`;

export const DATA_HELP = `Usage: allo data <config> [--json]

Loads and tokenises the config's datasets without training; prints, per dataset and split, rows
kept, rows dropped by reason and prompt/response lengths in tokens.`;

export const REPORT_HELP = `Usage: allo report <run-dir>

Rebuilds report.html from a run directory's metrics.jsonl, eval.json, masks and samples.`;
