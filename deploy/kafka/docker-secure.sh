#!/usr/bin/env bash
# The compose profile "secure" (task up:secure): one Kafka node whose clients
# must use SASL_SSL, made by secure.sh exactly as the secured local cluster is
# (keytool certificates, SCRAM users at format, least-privilege ACLs). Runs in
# the apache/kafka image as its user; certificates and passwords live in the
# kafka-secure volume at /etc/kafka/secrets, which orderflow-secure mounts
# read-only for the CA and its password file. The node is healthy once the
# ACLs are granted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=/etc/kafka/secrets
lib=/opt/kafka/libs
export SECURE_SAN=dns:kafka-secure,dns:localhost,ip:127.0.0.1
# shellcheck source=secure.sh
. "$here/secure.sh"
rm -f "$state/acls-granted"
secure_prepare

conf="$state/config/server.properties"
(umask 077; cat > "$conf" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka-secure:29093
controller.listener.names=CONTROLLER
listeners=SASL_SSL://:19092,CONTROLLER://:29093
advertised.listeners=SASL_SSL://kafka-secure:19092
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_SSL
log.dirs=/var/lib/kafka/data
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
$(secure_props)
PROPS
)
read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}"
java_cmd=(java "${heap[@]}" -XX:+UseG1GC "-Dlog4j2.configurationFile=$here/log4j2.yaml" -cp "$lib/*")
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  read -ra scram <<<"$(secure_format_args)"
  "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id b3JkZXJmbG93LXNlY3VyZSE \
    --config "$conf" --ignore-formatted "${scram[@]}" >/dev/null
fi
(
  until (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null; do sleep 1; done
  secure_acls kafka-secure:19092 && touch "$state/acls-granted"
) &
exec "${java_cmd[@]}" kafka.Kafka "$conf"
