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

# together <name> <command> <name> <command>: two steps at once, for steps
# that each keep one core busy (a fuzzer, the simulator, loom, Miri). Each
# command is a string run by bash; their outputs are printed one after the
# other when both have finished, and each gets its own row and time.
together() {
    local names=("$1" "$3") commands=("$2" "$4") dir i
    dir=$(mktemp -d)
    printf '\n\033[1m==> %s  ||  %s\033[0m\n' "$1" "$3"
    for i in 0 1; do
        (
            started=$SECONDS
            status=0
            bash -c "${commands[$i]}" >"$dir/log-$i" 2>&1 || status=$?
            echo "$status $((SECONDS - started))" >"$dir/result-$i"
        ) &
    done
    wait
    for i in 0 1; do
        local status seconds
        read -r status seconds <"$dir/result-$i"
        printf '\n\033[1m--> %s\033[0m\n' "${names[$i]}"
        cat "$dir/log-$i"
        STEP_NAMES+=("${names[$i]}")
        STEP_SECONDS+=("$seconds")
        if [ "$status" = 0 ]; then STEP_RESULTS+=("ok"); else STEP_RESULTS+=("FAILED"); STEP_FAILED=1; fi
    done
    rm -rf "$dir"
    if [ "$STEP_FAILED" = 1 ] && [ "${FAIL_FAST:-0}" = 1 ]; then
        summary
        exit 1
    fi
}

# lanes <function> <function>: two sequences of steps at once, for a tier
# whose steps leave a core idle one at a time (a single-threaded run, a
# crate's serial compile tail, a link). Each function calls `step` as usual.
# The first runs in this shell and prints as it goes; the second runs beside
# it, its output printed after it ends. Every step keeps its own row and time
# (the rows of the two lanes overlap in time; the total is wall time).
# Two lanes should not share a build directory: one would wait for the other.
lanes() {
    local dir fail_fast=${FAIL_FAST:-0}
    dir=$(mktemp -d)
    (
        STEP_NAMES=() STEP_RESULTS=() STEP_SECONDS=() STEP_FAILED=0 FAIL_FAST=0
        "$2" >"$dir/log" 2>&1
        for i in "${!STEP_NAMES[@]}"; do
            printf '%s\t%s\t%s\n' "${STEP_RESULTS[$i]}" "${STEP_SECONDS[$i]}" "${STEP_NAMES[$i]}"
        done >"$dir/steps"
    ) &
    local beside=$!
    FAIL_FAST=0
    "$1"
    wait "$beside"
    printf '\n\033[1m==> the steps that ran beside those above\033[0m\n'
    cat "$dir/log"
    local result seconds name
    while IFS=$'\t' read -r result seconds name; do
        STEP_NAMES+=("$name")
        STEP_RESULTS+=("$result")
        STEP_SECONDS+=("$seconds")
        [ "$result" = ok ] || STEP_FAILED=1
    done <"$dir/steps"
    rm -rf "$dir"
    FAIL_FAST=$fail_fast
    if [ "$STEP_FAILED" = 1 ] && [ "$FAIL_FAST" = 1 ]; then
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

# steps_field: the steps run so far with their results and times, in one
# line for a tier's record.
steps_field() {
    local i steps=""
    for i in "${!STEP_NAMES[@]}"; do
        steps+="${steps:+; }${STEP_NAMES[$i]}: ${STEP_RESULTS[$i]} (${STEP_SECONDS[$i]} s)"
    done
    printf '%s' "$steps"
}

# BUG_CARGO: cargo with the seeded bugs compiled into pipe-core and the
# simulator only (nightly cargo's per-package profile rustflags, release
# profile) instead of `RUSTFLAGS="--cfg pipe_core_bug"`, which reaches every
# crate: a bug build then shares its dependencies with the normal release
# build in the same directory, and only pipe-core and what depends on it
# compile again (under their own hashes, so neither build evicts the other).
# Test executables only: cargo copies a binary target to one unhashed path,
# which the two builds would overwrite in turn.
BUG_CARGO=(cargo +nightly -Zprofile-rustflags
    --config 'profile.release.package.pipe-core.rustflags = ["--cfg", "pipe_core_bug"]'
    --config 'profile.release.package.sim.rustflags = ["--cfg", "pipe_core_bug"]')

# ensure_cargo_tool <binary> <crate>: installs a cargo subcommand when missing.
ensure_cargo_tool() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "installing $2 (missing)"
        cargo install --locked "$2"
    fi
}

# Run records, read by ci/report to generate docs/VERIFICATION.md's tables.
# Each checker appends lines to target/verification/<layer>.tsv: tab-separated
# key=value fields, the first two always the date and the commit measured
# (with "+dirty" when tracked files differ from it), so a figure in the
# report always says which run produced it. Appending keeps every run; the
# report reads the last line per `id`.
VERIFICATION_DIR="${VERIFICATION_DIR:-$REPO_ROOT/target/verification}"

# record_commit: the commit under test, "+dirty" when tracked files differ.
record_commit() {
    local commit
    commit=$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        commit="$commit+dirty"
    fi
    printf '%s' "$commit"
}

# The commit is taken when this file is sourced, so edits made while a long
# run is under way do not relabel it; ci/deep exports it once for every layer.
RECORD_COMMIT="${RECORD_COMMIT:-$(record_commit)}"

# record <layer> <key=value...>: appends one record line for <layer>.
record() {
    local layer=$1 field line
    shift
    mkdir -p "$VERIFICATION_DIR"
    line="date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"$'\t'"commit=$RECORD_COMMIT"
    for field in "$@"; do line+=$'\t'"${field//$'\t'/ }"; done
    printf '%s\n' "$line" >>"$VERIFICATION_DIR/$layer.tsv"
}

# latest_field <layer> <id> <key>: a field of the last record of <id> that has
# it, or nothing (a failed run records fewer fields).
latest_field() {
    local file="$VERIFICATION_DIR/$1.tsv"
    [ -f "$file" ] || return 0
    awk -F'\t' -v id="$2" -v key="$3" '
        { v = ""; match_id = 0
          for (i = 1; i <= NF; i++) { if ($i == "id=" id) match_id = 1; if (index($i, key "=") == 1) v = substr($i, length(key) + 2) }
          if (match_id && v != "") last = v }
        END { print last }' "$file"
}
