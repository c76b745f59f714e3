#!/usr/bin/env bash
# The window-noise measurement of bench/README ("Measured on the real app"): the demo with the planner off and the
# count driven by hand (desired:app), windows recorded from `alerts`: 150 rps with the count alternating 2 <-> 3 every
# 15 s (12 changes), then probes only with 1 <-> 2 every 15 s (8 changes). Then: python3 bench/measure/window-noise.py OUT_DIR
set -u
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
D=$(realpath -m "${1:?usage: window-noise.sh OUT_DIR}"); rm -rf "$D"; mkdir -p "$D"
cd "$(dirname "$0")/../.."
$J -Dautoscaler.home=$D -jar cli/target/autoscaler.jar demo > $D/demo.out 2>&1 &
DEMO=$!
trap 'kill -TERM $DEMO 2>/dev/null' EXIT
for i in $(seq 1 120); do grep -q '^status:' $D/demo.out && break; sleep 1; done
LB=$(awk '/^lb:/ {print $2}' $D/demo.out); REDIS=$(awk '/^redis:/ {print $2}' $D/demo.out)
PORT=$(echo $REDIS | sed 's#.*:\([0-9]*\).*#\1#')
R="redis-cli -p $PORT"
$R HSET autoscaler:target:app mode off >/dev/null
$R HSET autoscaler:desired:app replicas 2 >/dev/null
$R subscribe alerts > $D/alerts.log 2>&1 &
SUB=$!
T0=$(date +%s.%N); echo "t0 $T0" > $D/events
ev() { echo "$(echo "$(date +%s.%N) - $T0" | bc) $*" >> $D/events; }
set_to() { $R HSET autoscaler:desired:app replicas $1 >/dev/null; ev "desired $1"; }
uptime >> $D/events
ev "load 150 rps"
$J -jar cli/target/autoscaler.jar loadgen --url $LB --quiet --pattern constant --rps 150 --duration 200 > $D/loadgen.out 2>&1 &
LG=$!
sleep 20
for k in 1 2 3 4 5 6; do set_to 3; sleep 15; set_to 2; sleep 15; done
wait $LG; ev "load done"; uptime >> $D/events
set_to 1; sleep 20
for k in 1 2 3 4; do set_to 2; sleep 15; set_to 1; sleep 15; done
ev "end"; uptime >> $D/events
kill $SUB
kill -TERM $DEMO; wait $DEMO
trap - EXIT
echo done
