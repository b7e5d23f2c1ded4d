#!/usr/bin/env bash
# Run every atheris harness in fuzz/fuzz_load.py for a bounded time each.
#
#   fuzz/run.sh                       # 60 s per target
#   FUZZ_SECONDS=600 fuzz/run.sh      # longer
#   FUZZ_TARGETS="decode json" fuzz/run.sh
#
# Corpora grow in fuzz/corpus/TARGET (seeded from samples/ on the first run); an input that
# crashes a target is saved as fuzz/artifacts/TARGET-crash-* and the script exits 1.
# Reproduce one with: .venv/bin/python fuzz/fuzz_load.py TARGET fuzz/artifacts/FILE
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS="${FUZZ_TARGETS:-decode text json jsonl html load clean}"

seed() {
    local target=$1 corpus=$2
    [ -n "$(ls -A "$corpus" 2>/dev/null)" ] && return
    local pattern
    case $target in
        json) pattern='*.json' ;;
        jsonl) pattern='*.jsonl' ;;
        html) pattern='*.htm*' ;;
        text | clean) pattern='*.[tm][xd]*' ;;
        *) pattern='*' ;;
    esac
    find samples -type f -name "$pattern" -size -64k -exec cp {} "$corpus"/ \; 2>/dev/null
}

mkdir -p fuzz/artifacts
failed=()
for target in $TARGETS; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    seed "$target" "$corpus"
    echo "== $target: ${SECONDS_EACH}s"
    # -timeout: one input taking over 20 s is a hang (a regex gone exponential, say);
    # -rss_limit_mb: the same 2 GB bound the hostile-input tests hold the CLI to.
    if ! "$PYTHON" fuzz/fuzz_load.py "$target" \
        -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="fuzz/artifacts/$target-" "$corpus" 2> "fuzz/artifacts/$target.log"; then
        failed+=("$target")
        tail -n 40 "fuzz/artifacts/$target.log"
    else
        grep -E "^(#[0-9]+|Done)" "fuzz/artifacts/$target.log" | tail -n 1
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: no crashes in: $TARGETS"
