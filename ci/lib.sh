# Shared helpers for the ci/ scripts: run named steps, time them, and print
# a summary table at the end. Sourced, not executed.

set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 1

STEP_NAMES=()
STEP_RESULTS=()
STEP_SECONDS=()
STEP_FAILED=0

# step <name> <command...>: runs the command, records pass/fail and time.
step() {
    local name="$1"
    shift
    printf '\n\033[1m==> %s\033[0m\n' "$name"
    local started=$SECONDS
    if "$@"; then
        STEP_RESULTS+=("ok")
    else
        STEP_RESULTS+=("FAILED")
        STEP_FAILED=1
    fi
    STEP_NAMES+=("$name")
    STEP_SECONDS+=($((SECONDS - started)))
    if [ "$STEP_FAILED" = 1 ] && [ "${FAIL_FAST:-0}" = 1 ]; then
        summary
        exit 1
    fi
}

# summary: prints every step with its result and time; returns 1 if any failed.
summary() {
    printf '\n\033[1m%-44s %-8s %8s\033[0m\n' "step" "result" "seconds"
    local i
    for i in "${!STEP_NAMES[@]}"; do
        printf '%-44s %-8s %8s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECONDS[$i]}"
    done
    printf '%-44s %-8s %8s\n' "total" "$([ "$STEP_FAILED" = 0 ] && echo ok || echo FAILED)" "$SECONDS"
    return "$STEP_FAILED"
}

# ensure_cargo_tool <binary> <crate>: installs a cargo subcommand when missing.
ensure_cargo_tool() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "installing $2 (missing)"
        cargo install --locked "$2"
    fi
}
