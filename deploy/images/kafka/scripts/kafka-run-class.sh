#!/bin/bash
# Runs a class of Kafka's on /opt/kafka/libs, reading the variables Kafka's
# own kafka-run-class.sh reads: KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS,
# KAFKA_GC_LOG_OPTS, KAFKA_JMX_OPTS, KAFKA_LOG4J_OPTS and KAFKA_OPTS.
set -euo pipefail
base_dir=$(cd "$(dirname "$0")/.." && pwd)
read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xmx256M}"
read -ra perf <<<"${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
read -ra gc <<<"${KAFKA_GC_LOG_OPTS:-}"
read -ra jmx <<<"${KAFKA_JMX_OPTS:-}"
read -ra log4j <<<"${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml}"
read -ra opts <<<"${KAFKA_OPTS:-}"
exec java "${heap[@]}" "${perf[@]}" "${gc[@]}" "${jmx[@]}" "${log4j[@]}" \
  -cp "$base_dir/libs/*" "${opts[@]}" "$@"
