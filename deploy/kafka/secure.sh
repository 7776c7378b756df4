# Sourced by up.sh when SECURE=1, and by docker-secure.sh in the compose
# profile "secure": a cluster whose clients must use SASL_SSL. The caller sets
# state (a directory), lib (Kafka's jars) and here (this directory).
#  - TLS: a CA and a broker certificate for SECURE_SAN (default 127.0.0.1 and
#    localhost), made with the JDK's keytool at first start in $state/tls
#    (ca.pem is what clients trust; broker.p12 the broker's keystore).
#  - SASL: SCRAM-SHA-256/512 users, created by Kafka's StorageTool when the
#    node is formatted (and the same users for PLAIN): admin (the brokers' own
#    and super user), orderflow (least privilege) and intruder (no ACLs).
#    Passwords are random, in $state/secrets/<user>, mode 600; never printed.
#  - The controllers talk SASL_PLAINTEXT/PLAIN as admin, on 127.0.0.1 only.
#  - ACLs (StandardAuthorizer, nothing allowed without one): orderflow may use
#    the topics whose names start with orderflow's topic names (orders,
#    payments, shipments, notifications, dlq: a prefix, so test copies such as
#    orders-<test> are covered) and the consumer groups payments, shipping and
#    notifications; nothing else. intruder may do nothing.
users=(admin orderflow intruder)
tls_dir="$state/tls"
secrets="$state/secrets"
tools_cmd=(java -Xms64m -Xmx256m "-Dlog4j2.configurationFile=$here/tools-log4j2.yaml" -cp "$lib/*")

secret() { cat "$secrets/$1"; }

secure_prepare() {
  (umask 077; mkdir -p "$tls_dir" "$secrets" "$state/config")
  for u in "${users[@]}" keystore; do
    [ -s "$secrets/$u" ] || (umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$secrets/$u")
  done
  if [ ! -s "$tls_dir/broker.p12" ]; then
    echo "making a CA and a broker certificate in $tls_dir"
    (
      cd "$tls_dir"
      umask 077
      local pw; pw=$(secret keystore)
      keytool -genkeypair -alias ca -dname "CN=orderflow local test CA" -ext bc:c -keyalg RSA -keysize 2048 \
        -validity 30 -storetype PKCS12 -keystore ca.p12 -storepass "$pw" 2>/dev/null
      keytool -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$pw" > ca.pem 2>/dev/null
      keytool -genkeypair -alias broker -dname "CN=orderflow kafka" -keyalg RSA -keysize 2048 \
        -validity 30 -storetype PKCS12 -keystore broker.p12 -storepass "$pw" 2>/dev/null
      keytool -certreq -alias broker -keystore broker.p12 -storepass "$pw" 2>/dev/null \
        | keytool -gencert -rfc -alias ca -keystore ca.p12 -storepass "$pw" -validity 30 \
            -ext "SAN=${SECURE_SAN:-ip:127.0.0.1,dns:localhost}" > broker.pem 2>/dev/null
      keytool -importcert -noprompt -alias ca -file ca.pem -keystore broker.p12 -storepass "$pw" 2>/dev/null
      keytool -importcert -alias broker -file broker.pem -keystore broker.p12 -storepass "$pw" 2>/dev/null
      chmod 644 ca.pem
    )
  fi
}

# secure_props prints the brokers' SASL, TLS and ACL settings for a client
# listener named SASL_SSL and a controller listener named CONTROLLER.
secure_props() {
  local admin ks
  admin=$(secret admin)
  ks=$(secret keystore)
  cat <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required $(for u in "${users[@]}"; do printf 'user_%s="%s" ' "$u" "$(secret "$u")"; done);
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls_dir/broker.p12
ssl.keystore.password=$ks
ssl.key.password=$ks
ssl.truststore.type=PEM
ssl.truststore.location=$tls_dir/ca.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
PROPS
}

# secure_format_args prints StorageTool's arguments that create the SCRAM users.
secure_format_args() {
  for u in "${users[@]}"; do
    for m in SCRAM-SHA-256 SCRAM-SHA-512; do
      printf -- '--add-scram %s=[name=%s,password=%s] ' "$m" "$u" "$(secret "$u")"
    done
  done
}

# secure_acls BROKERS grants orderflow its topics and groups, as admin.
secure_acls() {
  local brokers=$1 admin_cfg="$state/config/admin.properties"
  (umask 077; cat > "$admin_cfg" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(secret admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$tls_dir/ca.pem
PROPS
  )
  local acl=("${tools_cmd[@]}" org.apache.kafka.tools.AclCommand --bootstrap-server "$brokers" --command-config "$admin_cfg" --add --allow-principal User:orderflow)
  "${acl[@]}" --resource-pattern-type prefixed \
    --topic "${ORDERS_TOPIC:-orders}" --topic "${PAYMENTS_TOPIC:-payments}" --topic "${SHIPMENTS_TOPIC:-shipments}" \
    --topic "${NOTIFICATIONS_TOPIC:-notifications}" --topic "${DLQ_TOPIC:-dlq}" \
    --operation Describe --operation Read --operation Write --operation Create >/dev/null
  "${acl[@]}" --resource-pattern-type literal --group payments --group shipping --group notifications \
    --operation Describe --operation Read >/dev/null
  echo "ACLs: User:orderflow may use its topics (prefixed) and groups; User:intruder nothing"
}

# secure_exports BROKERS prints the lines that point orderflow at the cluster.
# The password is read from its file when the line runs: it is never printed.
secure_exports() {
  local brokers=$1
  echo "Secured Kafka cluster up (SASL_SSL). Point orderflow at it with:"
  echo "  export ORDERFLOW_KAFKA_EMBEDDED=false"
  echo "  export ORDERFLOW_KAFKA_BROKERS=$brokers"
  echo "  export ORDERFLOW_KAFKA_TLS_ENABLED=true"
  echo "  export ORDERFLOW_KAFKA_TLS_CA_FILE=$tls_dir/ca.pem"
  echo "  export ORDERFLOW_KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
  echo "  export ORDERFLOW_KAFKA_SASL_USERNAME=orderflow"
  echo "  export ORDERFLOW_KAFKA_SASL_PASSWORD=\"\$(cat $secrets/orderflow)\""
}
