#!/usr/bin/env bash
# The main job on the embedded default: set up, then validate, plan and reconcile the example stacks,
# and (as root, with strongSwan) run the lab for each; otherwise it says in one line why not.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/c2cvpn demo "$@"
