#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft) on 127.0.0.1:9092, from Maven Central jars; also on
# 127.0.0.1:9094 with TLS and SASL/PLAIN (its CA certificate: $run/tls/ca.pem).
#   scripts/kafka.sh start   fetch jars (cached), format a fresh log dir, start, wait until it answers
#   scripts/kafka.sh resume  start again on the existing log dir (after a crash: the fault tests)
#   scripts/kafka.sh stop    stop the broker started by `start` (by PID)
# Tests and `rum` only need a broker address; production points RUM_TRANSPORT at a real cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${RUM_CACHE:-$(cd "$here/.." && pwd)/.cache}/kafka
libs=$cache/libs
run=$cache/run
pidfile=$run/kafka.pid

fetch_jars() {
  [ -f "$libs/.complete" ] && return
  mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$libs/.complete"
}

port_open() { (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null; }

# A self-signed certificate for 127.0.0.1 (its own CA, so clients trust ca.pem).
make_certificate() {
  local tls=$run/tls
  [ -f "$tls/broker.p12" ] && return
  mkdir -p "$tls"
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
      -dname "CN=127.0.0.1" -ext "SAN=IP:127.0.0.1,DNS:localhost" -ext "BC=ca:true" \
      -keystore "$tls/broker.p12" -storetype PKCS12 -storepass rum-test -keypass rum-test >/dev/null 2>&1
  keytool -exportcert -rfc -alias broker -keystore "$tls/broker.p12" -storepass rum-test \
      -file "$tls/ca.pem" >/dev/null 2>&1
}

start() {
  local fresh=${1:-fresh}
  command -v java >/dev/null || { echo "kafka.sh: java is required (Java 17+)" >&2; exit 1; }
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "kafka already running (pid $(cat "$pidfile"))"; return
  fi
  port_open && { echo "kafka.sh: 127.0.0.1:9092 is taken by another process" >&2; exit 1; }
  fetch_jars
  if [ "$fresh" = fresh ]; then rm -rf "$run"; fi
  mkdir -p "$run/data"
  make_certificate
  sed "s#^log.dirs=.*##" "$here/kafka/server.properties" > "$run/server.properties"
  { echo "log.dirs=$run/data"
    echo "ssl.keystore.location=$run/tls/broker.p12"
    echo "ssl.keystore.password=rum-test"
    echo "ssl.key.password=rum-test"; } >> "$run/server.properties"
  # java.io.tmpdir: its native libraries are unpacked there at each start (lz4), and
  # /tmp would keep the copies of every broker killed outright.
  rm -rf "$run/tmp" && mkdir -p "$run/tmp"
  local java=(java -Xms256m -Xmx512m -XX:+UseG1GC -Dkafka.logs.dir="$run" -Djava.io.tmpdir="$run/tmp"
              -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml" -cp "$libs/*")
  if [ ! -f "$run/data/meta.properties" ]; then  # a resumed broker keeps its cluster id
    local id; id=$("${java[@]}" kafka.tools.StorageTool random-uuid)
    "${java[@]}" kafka.tools.StorageTool format -t "$id" -c "$run/server.properties" --standalone --ignore-formatted >/dev/null 2>&1 \
      || "${java[@]}" kafka.tools.StorageTool format -t "$id" -c "$run/server.properties" --ignore-formatted >/dev/null
  fi
  nohup "${java[@]}" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if port_open; then echo "kafka up on 127.0.0.1:9092 (pid $(cat "$pidfile"))"; return; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -n 30 "$run/stdout.log" "$run/server.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "kafka.sh: broker did not open 127.0.0.1:9092 within 60 s" >&2; stop; exit 1
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start fresh ;;
  resume) start kept ;;
  stop) stop ;;
  *) echo "usage: $0 start|resume|stop" >&2; exit 2 ;;
esac
