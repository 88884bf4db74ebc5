#!/usr/bin/env bash
# Runs the side-by-side suites of BENCHMARKS.md, each beside its anchor in one JMH run, and writes every run's JMH
# JSON (and its console output) to cashews-bench/results/, then prints the ratio tables from those files.
#
#   cashews-bench/run-peers.sh                 # every suite
#   cashews-bench/run-peers.sh peers java      # some of them: peers peers2 mixed get java tx tx-redis disk observability spring
#   RESULTS=/tmp/run1 cashews-bench/run-peers.sh get     # somewhere else, to compare two runs
#
# One JMH run at a time per machine; stop other JVMs (a Kotlin daemon, an IDE) first.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=cashews-bench/target/benchmarks.jar
out=${RESULTS:-cashews-bench/results}
if [ ! -f "$jar" ]; then
    mvn -B -ntp -q -pl cashews-bench -am package -DskipTests -Dabi.skip=true
fi
mkdir -p "$out"

run() {
    local name=$1
    shift
    echo "== $name: java -jar $jar $*"
    java -jar "$jar" "$@" -rf json -rff "$out/$name.json" | tee "$out/$name.txt"
}

suites=${*:-peers peers2 mixed get java tx tx-redis disk observability spring}
for suite in $suites; do
    case $suite in
        peers) run peers 'PeersBenchmark.(readOnly|writeOnly)' -t 1 -prof gc ;;
        peers2) run peers2 'PeersBenchmark.(readOnly|writeOnly)' -t 2 -prof gc ;;
        mixed) run mixed 'PeersBenchmark.readWrite' -prof gc ;;
        get) run get 'GetBenchmark' -t 1 -prof gc ;;
        java) run java 'JavaFaceBenchmark' -t 1 -prof gc ;;
        tx) run tx '\.TransactionBenchmark' -t 1 -prof gc ;;
        tx-redis) run tx-redis 'RedisTransactionBenchmark' -t 1 ;;
        disk) run disk 'DiskBenchmark' -t 1 ;;
        observability) run observability 'ObservabilityBenchmark' -t 1 -prof gc ;;
        spring) run spring 'SpringBenchmark' -t 1 -prof gc ;;
        *) echo "unknown suite '$suite': peers peers2 mixed get java tx tx-redis disk observability spring" >&2; exit 2 ;;
    esac
done

python3 cashews-bench/ratios.py "$out"/*.json
