#!/usr/bin/env python3
# Mutation checks for the core mechanisms (issue 11): each mutant breaks one
# guarantee in the source; the named millisecond test must fail on it. Run
# from the repository root: task test:mutants (python3 .ci/mutants.py console:
# only the mutants whose name contains "console").
# Each mutant: (name, file, old, new, package, test regex): old becomes new in
# file, and go test -run regex package must FAIL.
import subprocess, sys
M = [
 ("subscriber marks an input before its outputs are acknowledged", "app/messaging/subscriber/lanes.go",
  "failed = d.Wait(drainCtx)", "failed = nil",
  "./app/messaging/subscriber", "OffsetWaitsForItsOutputs|FailedOutputIsRedelivered"),
 ("a failed output counts as acknowledged", "app/messaging/kafkaclient/origin.go",
  "if err != nil && d.err == nil {", "if err != nil && d.err == nil && false {",
  "./app/messaging/kafkaclient", "DeliveryWait"),
 ("the producer hands on a failure as an acknowledgement", "app/messaging/kafkaclient/producer.go",
  "d.Answered(err)", "d.Answered(nil)",
  "./app/messaging/kafkaclient", "PublishAnswersThroughTheDelivery"),
 ("outputs leave their input's delivery behind", "app/messaging/route.go",
  "produced.SetContext(msg.Context())", "_ = msg.Context()",
  "./app/messaging", "OutputCarriesItsInputsDelivery"),
 ("franz-go subscriber commits past what the lanes finished", "app/messaging/subscriber/subscriber.go",
  "{Epoch: c.epoch.Load(), Offset: next}", "{Epoch: c.epoch.Load(), Offset: next + 1}",
  "./app/messaging/subscriber", "KeyedSubscriberKeepsKeyOrder"),
 ("exactly once commits a batch it did not finish (no abort)", "app/messaging/subscriber/transact.go",
  "kgo.TransactionEndTry(done)", "kgo.TryCommit",
  "./app/messaging/subscriber", "TransactAbortsAndRewinds"),
 ("exactly once commits a batch an output of which the brokers refused", "app/messaging/subscriber/transact.go",
  "err != nil || txn.failed.Load() > 0 {", "err != nil {",
  "./app/messaging/subscriber", "TransactAbortsWhenAnOutputFails"),
 ("exactly once produces outputs outside the transaction", "app/messaging/kafkaclient/producer.go",
  "if d.txn != nil {", "if d.txn != nil && false {",
  "./app/messaging/subscriber", "TransactAbortsAndRewinds"),
 ("window commits past a gap", "app/messaging/subscriber/window.go",
  "for len(w.pending) > 0 && w.finished[w.pending[0]] {",
  "if offset+1 > next { next, advanced = offset+1, true }\n\tfor len(w.pending) > 0 && w.finished[w.pending[0]] {",
  "./app/messaging/subscriber", "OffsetWindow"),
 ("claim ignores the key lane", "app/messaging/subscriber/lanes.go",
  "if queue, busy := waiting[k]; busy {", "if queue, busy := waiting[k]; busy && false {",
  "./app/messaging/subscriber", "Claim"),
 ("drain runs what waits behind an abandoned message", "app/messaging/subscriber/lanes.go",
  "\t\t\tif !acked {\n\t\t\t\t// r goes", "\t\t\tif !acked && false {\n\t\t\t\t// r goes",
  "./app/messaging/subscriber", "DrainLeaves"),
 ("marshaler drops the key", "app/messaging/kafkaclient/marshal.go",
  "if KeyOf(msg) == \"\" {", "if true {",
  "./app/messaging/kafkaclient", "Marshaler"),
 ("key back in the context (lost on Copy)", "app/messaging/kafkaclient/marshal.go",
  "func KeyOf(msg *message.Message) string { return msg.Metadata.Get(KeyMetadata) }",
  "func KeyOf(msg *message.Message) string { if msg.Context().Value(\"k\") == nil { return \"\" }; return msg.Metadata.Get(KeyMetadata) }",
  "./app/messaging/handling", "KeySurvives"),
 ("dead letter acks when its publish failed", "app/messaging/handling/deadletter.go",
  "return nil, errors.Join(err, fmt.Errorf(\"publish dead letter: %w\", pubErr))",
  "return nil, nil",
  "./app/messaging/handling", "DeadLetterThatFails"),
 ("retry also retries permanent errors", "app/messaging/handling/retry.go",
  "if err == nil || events.IsPermanent(err) || c.MaxAttempts < 2 {", "if err == nil || c.MaxAttempts < 2 {",
  "./app/messaging/handling", "Chain"),
 ("retry steps its backoff twice per failure (Watermill's Retry did)", "app/messaging/handling/retry.go",
  "wait := time.NewTimer(b.NextBackOff())", "b.NextBackOff()\n\t\t\t\twait := time.NewTimer(b.NextBackOff())",
  "./app/messaging/handling", "RetryWaits"),
 ("recoverer outside retry and dead letter", "app/messaging/handling/chain.go",
  "\t\tinstrument(c.Metrics),\n\t\tc.DeadLetter.Middleware,\n\t\tretry(c.Retry),\n\t\tcountAttempts(c.Logger, c.Metrics),\n\t\tmiddleware.Timeout(c.Timeout),\n\t\tmiddleware.Recoverer,\n",
  "\t\tmiddleware.Recoverer,\n\t\tinstrument(c.Metrics),\n\t\tc.DeadLetter.Middleware,\n\t\tretry(c.Retry),\n\t\tcountAttempts(c.Logger, c.Metrics),\n\t\tmiddleware.Timeout(c.Timeout),\n",
  "./app/messaging/handling", "Chain"),
 ("no retry counted", "app/messaging/handling/attempts.go",
  "m.Handler(message.HandlerNameFromCtx(msg.Context())).Retried()", "_ = m",
  "./app/messaging/handling", "Chain"),
 ("dead letter not counted", "app/messaging/handling/deadletter.go",
  "d.cfg.Metrics.DeadLettered(", "_ = fmt.Sprint(",
  "./app/messaging/handling", "Chain"),
 ("correlation not copied to outputs", "app/messaging/handling/correlation.go",
  "p.Metadata.Set(events.HeaderCorrelationID, id)", "_ = p",
  "./app/messaging/handling", "Chain|Correlation"),
 ("file store ignores the other process's lines", "app/gateway/filestore.go",
  "if json.Unmarshal(line, &rec) == nil {", "if json.Unmarshal(line, &rec) == nil && false {",
  "./app/gateway", "Shared"),
 ("triage keeps each order's numbers in the cause", "app/messaging/deadletter/triage.go",
  "r = numberPattern.ReplaceAllString(r, \"<n>\")", "r = numberPattern.ReplaceAllString(r, \"$0\")",
  "./app/messaging/deadletter", "Triage"),
 ("--cause selects every letter", "app/messaging/deadletter/filter.go",
  "(f.Cause == \"\" || f.Cause == Signature(d)) &&", "(f.Cause == \"\" || true) &&",
  "./app/messaging/deadletter", "Triage"),
 ("--since ignored", "app/messaging/deadletter/filter.go",
  "(f.Since.IsZero() || !d.FailedAt.Before(f.Since)) &&", "(f.Since.IsZero() || true) &&",
  "./app/messaging/deadletter", "Filter"),
 ("filter ignores kind", "app/messaging/deadletter/filter.go",
  "(f.Kind == \"\" || strings.EqualFold(f.Kind, string(d.ErrorKind)))", "(f.Kind == \"\" || strings.EqualFold(f.Kind, string(d.ErrorKind)) || true)",
  "./app/messaging/deadletter", "Filter"),
 ("replay of a replayed letter", "app/messaging/deadletter/replay.go",
  "case d.ReplayedAt != nil:", "case d.ReplayedAt != nil && false:",
  "./app/messaging/deadletter", "Refuses"),
 ("console replays without the operator token", "app/console/security.go",
  "return subtle.ConstantTimeCompare(g[:], w[:]) == 1", "return subtle.ConstantTimeCompare(g[:], w[:]) == 1 || true",
  "./app/console", "ReplayNeedsTheOperatorToken"),
 ("console takes cross-site POSTs", "app/console/security.go",
  "guarded := csrf.Handler(h)", "guarded := h; _ = csrf",
  "./app/console", "CrossSiteReplayIsRefused"),
 ("console's CSP allows inline script", "app/console/security.go",
  "script-src 'self';", "script-src 'self' 'unsafe-inline';",
  "./app/console", "SecurityHeaders"),
 ("console index ignores replay markers", "app/console/index.go",
  "\t\tx.addMarker(r)\n", "\t\t_ = r\n",
  "./app/console", "IndexAppliesReplayMarkers"),
 ("idempotency key forgets its answer", "app/intake/keys.go",
  "if el, ok := k.byKey[key]; ok {", "if el, ok := k.byKey[key]; ok && false {",
  "./app/intake", "Keys"),
 ("outputs leave the trace context behind", "app/messaging/handling/tracing.go",
  "tracing.Inject(ctx, p)", "_ = p",
  "./app/messaging/handling", "TraceContext"),
 ("no exporter, and the trace context stays behind", "app/messaging/handling/tracing.go",
  "\n\t\t\ttracing.Inject(ctx, p)", "\n\t\t\t_ = p",
  "./app/messaging/handling", "TraceContext"),
 ("readiness ignores the consumer groups", "app/messaging/readiness.go",
  "if m, ok := s.(subscriber.Member); ok && !m.Joined() {", "if m, ok := s.(subscriber.Member); ok && !m.Joined() && false {",
  "./app", "ReadinessFollowsGroupsAndBrokers/embedded"),
 ("readiness ignores the brokers", "app/messaging/readiness.go",
  "if err := r.brokersAnswer(ctx); err != nil {", "if err := r.brokersAnswer(ctx); err != nil && false {",
  "./app", "ReadinessFollowsGroupsAndBrokers/embedded"),
 ("spans posted to a base URL's root", "app/tracing/tracing.go",
  "u.Path = \"/v1/traces\"", "u.Path = \"/\"",
  "./app", "SpansReachAnOTLPCollector/embedded"),
 ("tracker counts replay markers as dead letters", "app/track/tracker.go",
  "if m.Topic == t.topics.DeadLetter && deadletter.IsReplayMarker(m) {", "if false {",
  "./app/track", "Tracker"),
 ("gateway returns the first receipt for another order", "app/gateway/simulator.go",
  "if r.Asks(req) != \"\" {", "if r.Asks(req) != \"\" && false {",
  "./app/gateway", "ChargeRefuses"),
 ("shipping trusts the payment event's amount", "handlers/confirm.go",
  "if differs := r.Asks(ChargeRequest{AmountCents: p.AmountCents, Currency: p.Currency, Digest: r.Digest}); differs != \"\" {\n\t\t\treturn events.Permanent(fmt.Errorf(\"payment",
  "if differs := r.Asks(ChargeRequest{AmountCents: p.AmountCents, Currency: p.Currency, Digest: r.Digest}); differs != \"\" && false {\n\t\t\treturn events.Permanent(fmt.Errorf(\"payment",
  "./handlers", "Unconfirmed"),
 ("a conflict is retried as transient", "handlers/payments.go",
  "return nil, events.Permanent(fmt.Errorf(\"charge order %s: %w\", o.OrderID, err))", "return nil, fmt.Errorf(\"charge order %s: %w\", o.OrderID, err)",
  "./handlers", "Conflict"),
 ("fault header honoured with injection off", "app/messaging/handling/chain.go",
  "if c.InjectFaults {", "if true {",
  "./app/messaging/handling", "InjectFaults"),
 ("unknown members accepted (a fault field gets in)", "events/codec.go",
  "json.RejectUnknownMembers(true)", "json.RejectUnknownMembers(false)",
  "./events", "Decode"),
 ("intake takes an ID reused for another order", "app/intake/orders.go",
  "return before, before.digest != t.digest, false", "return before, false, false",
  "./app/intake", "RefusesAnOrderID"),
 ("serve defaults to the embedded broker", "app/config/defaults.yaml",
  "  embedded: false", "  embedded: true",
  "./app/config", "Embedded"),
 ("slow bodies held: no read timeout", "app/httpserver/server.go",
  "ReadTimeout:       cfg.ReadTimeout,", "ReadTimeout:       0,",
  "./app/httpserver", "SlowBody"),
 ("connections past the cap accepted", "app/httpserver/limits.go",
  "if l.open.Add(1) <= l.max {", "if l.open.Add(1) <= l.max || true {",
  "./app/httpserver", "ConnectionsAreCapped"),
 ("fast JSON path takes a repeated member", "events/fastpath.go",
  "if f < 0 || seen&(1<<f) != 0 || !member(f) {", "if f < 0 || !member(f) {",
  "./events", "FastPath"),
 ("fast JSON path takes strings that are not UTF-8", "events/fastpath.go",
  "return s, ascii || utf8.Valid(s)", "return s, ascii || utf8.Valid(s) || len(s) >= 0",
  "./events", "FastPath"),
 ("fast JSON path takes a time in another form", "events/fastpath.go",
  "if err := t.UnmarshalText(s); err != nil || string(t.AppendFormat(make([]byte, 0, 40), time.RFC3339Nano)) != string(s) {", "if err := t.UnmarshalText(s); err != nil {",
  "./events", "FastPath"),
 ("fast JSON path writes a time json refuses (offset past 23 h)", "events/fastpath.go",
  "if _, offset := t.Zone(); offset != 0 || t.Year() < 0 || t.Year() > 9999 {", "if t.Year() < 0 || t.Year() > 9999 {",
  "./events", "FastPath"),
 ("fast JSON path takes trailing data", "events/fastpath.go",
  "return ok && r.i == len(r.src)", "return ok",
  "./events", "FastPath"),
 ("config.Environ leaves out a per-step rate", "app/config/environ.go",
  "if x.IsValid() && (!y.IsValid() || !reflect.DeepEqual(x.Interface(), y.Interface())) {", "if x.IsValid() && y.IsValid() && !reflect.DeepEqual(x.Interface(), y.Interface()) {",
  "./app/config", "Environ"),
 ("order digest without length prefixes (two orders, one digest)", "events/order.go",
  "str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }", "str := func(s string) { b = append(b, s...) }",
  "./events", "Digest"),
 ("gateway client takes a 409 for a transient failure", "app/gatewayhttp/client.go",
  "return handlers.Receipt{}, &handlers.ConflictError{Key: req.Key, Recorded: refused.Recorded.receipt(), Asked: req}", "return handlers.Receipt{}, &StatusError{Status: status, Message: refused.Error}",
  "./app/gatewayhttp", "ClientAgainstTheService"),
 ("gateway client takes a 5xx for a decline", "app/gatewayhttp/client.go",
  "\treturn handlers.Receipt{}, &StatusError{Status: status, Message: refused.Error}\n}\n\n// Lookup", "\treturn handlers.Receipt{Declined: true}, nil\n}\n\n// Lookup",
  "./app/gatewayhttp", "ClientClassifiesErrors"),
 ("gateway client takes a 400 for a transient failure", "app/gatewayhttp/client.go",
  "case status == http.StatusConflict, status == http.StatusBadRequest:", "case status == http.StatusConflict:",
  "./app/gatewayhttp", "ClientClassifiesErrors"),
 ("gateway ignores the idempotency key's parameters (a repeat with others gets the first receipt)", "app/gateway/simulator.go",
  "if r.Asks(req) != \"\" {", "if false {",
  "./app/gatewayhttp", "ChargeConflictNamesTheDifference"),
 ("gateway honours Orderflow-Fault with faults.inject off", "app/gatewayhttp/server.go",
  "if v := r.Header.Get(HeaderFault); v != \"\" && s.faults {", "if v := r.Header.Get(HeaderFault); v != \"\" {",
  "./app/gatewayhttp", "FaultHeaderHonouredOnlyWithInject"),
 ("serve keeps the gateway's records only in memory", "app/config/validate.go",
  "if g.URL != \"\" || g.StorePath != \"\" {", "if true {",
  "./app/cli", "RefuseRecordsInMemory"),
 ("stack: the orderflow replicas share one host name (exactly once's instance)", "docker-compose.yaml",
  "    deploy:\n      replicas: 3\n", "    deploy:\n      replicas: 3\n    hostname: orderflow\n",
  "./deploy", "ComposeReplicasAreStateless"),
 ("stack: each orderflow replica keeps its own gateway records", "docker-compose.yaml",
  "      ORDERFLOW_TOPICS_MIN_INSYNC_REPLICAS: \"2\"\n      ORDERFLOW_GATEWAY_URL: http://gateway:8090\n",
  "      ORDERFLOW_TOPICS_MIN_INSYNC_REPLICAS: \"2\"\n      ORDERFLOW_GATEWAY_STORE_PATH: /tmp/gateway.jsonl\n",
  "./deploy", "ComposeReplicasAreStateless"),
 ("stack: the lag alert counts a partition once per replica", "deploy/prometheus/alerts.yml",
  "expr: sum by (group) (max by (group, topic, partition) (orderflow_consumer_lag_messages)) > 10000", "expr: sum by (group) (orderflow_consumer_lag_messages) > 10000",
  "./deploy", "AlertRules"),
 ("rolling update: a charge decided twice counts once", "deploy/stack_rolling_test.go",
  "\t\tcase len(r) > 1:", "\t\tcase len(r) > 2:",
  "./deploy", "DoubleCharges"),
 ("rolling update: a charge is its payment ID alone (the simulator's is the order's)", "deploy/stack_rolling_test.go",
  "return paymentID + \"@\" + at.UTC().Format(time.RFC3339Nano)", "return paymentID",
  "./deploy", "DoubleCharges"),
 ("gateway client takes an injected panic's 500 for a transient error (seed --panic dead-lettered as retries_exhausted)", "app/gateway/faults.go",
  "status.Status == http.StatusInternalServerError {", "status.Status == http.StatusInternalServerError && false {",
  "./app/gateway", "RemoteFaultsPanicOnAnInjectedPanic"),
 ("an idle group stays short of a transactional partition's end (markers not kept, at least once)", "app/messaging/subscriber/subscriber.go",
  "kgo.KeepControlRecords(),", "// no control records",
  "./app/messaging/subscriber", "TransactAbortsAndRewinds"),
 ("an idle group stays short of a transactional partition's end (markers not kept, exactly once)", "app/messaging/subscriber/transact.go",
  "kgo.KeepControlRecords(),", "// no control records",
  "./app/messaging/subscriber", "TransactAbortsAndRewinds"),
 ("the lanes hand a transaction marker to the router", "app/messaging/subscriber/lanes.go",
  "if r.control() {", "if r.control() && false {",
  "./app/messaging/subscriber", "TransactAbortsAndRewinds"),
 ("an event's schema drifts from what the decoder accepts (quantity 0 allowed)", "events/schemas/OrderPlaced.json",
  "\"quantity\": {\"type\": \"integer\", \"minimum\": 1,", "\"quantity\": {\"type\": \"integer\", \"minimum\": 0,",
  "./events", "DecoderRefusesWhatSchemasRefuse|SchemasAcceptWhatGoWrites"),
 ("schemas check does not name a removed required field", "app/schemas/changes.go",
  "\t\tcase inB && !inA:\n", "\t\tcase inB && !inA && false:\n",
  "./app/schemas", "Changes"),
 ("a registry outage stops the outputs (the schema IDs written are not cached)", "app/schemas/catalog.go",
  "\tc.writes[key] = s\n", "\t_ = key\n",
  "./app/messaging/codec", "WireThroughAnOutage"),
 ("a schema ID never seen during a registry outage is dead-lettered at once (permanent, not retried)", "app/schemas/reads.go",
  "return nil, fmt.Errorf(\"look up schema ID %d: %w\", id, err)", "return nil, events.Permanent(fmt.Errorf(\"look up schema ID %d: %w\", id, err))",
  "./app/messaging/codec", "WireThroughAnOutage"),
 ("a step runs before its output's schema is looked up (its side effect repeats on every retry)", "app/messaging/route.go",
  "if err := wire.Outputs(msg.Context(), r.To); err != nil {", "if err := wire.Outputs(msg.Context(), r.To); err != nil && false {",
  "./app/messaging", "HandlerWaitsForItsOutputsSchemas"),
 ("schema lookups wait on each other's registry I/O (not cancellable)", "app/schemas/catalog.go",
  "\tcase <-ctx.Done():\n\t\tvar zero T", "\tcase <-make(chan struct{}):\n\t\tvar zero T",
  "./app/schemas", "CatalogLookupsDoNotWaitOnEachOther"),
 ("an ID the registry lacks is asked for again by every retry (not remembered)", "app/schemas/reads.go",
  "\t\t\tc.remember(id)\n", "\t\t\t_ = id\n",
  "./app/schemas", "CatalogRemembersAbsentIDs"),
 ("an input naming another registered schema is not held to it", "app/schemas/reads.go",
  "if err := r.schema.Validate(inst); errors.As(err, &verr) {", "if err := r.schema.Validate(inst); errors.As(err, &verr) && false {",
  "./app/messaging/codec", "WireChecksInputs"),
 ("the producer never re-learns a recreated output topic (UNKNOWN_TOPIC_ID until a restart)", "app/messaging/kafkaclient/producer.go",
  "if errors.Is(err, kerr.UnknownTopicID) {", "if errors.Is(err, kerr.UnknownTopicID) && false {",
  "./app/messaging/kafkaclient", "ProducerFollowsARecreatedTopic"),
 ("a reader tailing a topic stops at its recreation (the tracker misses what is written after)", "app/messaging/kafkaclient/read.go",
  "if recreated := recreatedTopics(fs); len(recreated) > 0 {", "if recreated := recreatedTopics(fs); len(recreated) > 0 && false {",
  "./app/messaging/kafkaclient", "ProducerFollowsARecreatedTopic"),
 # The Helm chart (deploy/chart_test.go; it needs the tools task test:chart installs).
 ("the chart runs a container as root", "deploy/helm/orderflow/templates/_helpers.tpl",
  "runAsNonRoot: true\nrunAsUser: {{ .Values.securityContext.runAsUser }}\nrunAsGroup: {{ .Values.securityContext.runAsGroup }}\nreadOnlyRootFilesystem",
  "runAsNonRoot: false\nrunAsUser: 0\nrunAsGroup: {{ .Values.securityContext.runAsGroup }}\nreadOnlyRootFilesystem",
  "./deploy", "TestChart$"),
 ("the chart scales serve past the partitions", "deploy/helm/orderflow/templates/autoscaling.yaml",
  "{{- if gt (int .Values.autoscaling.maxReplicas) $partitions }}", "{{- if false }}",
  "./deploy", "TestChartRefuses"),
 ("the chart probes a path serve does not answer", "deploy/helm/orderflow/templates/deployment.yaml",
  "httpGet: {path: /readyz, port: http}", "httpGet: {path: /ready, port: http}",
  "./deploy", "TestChart$"),
 ("the chart keeps the gateway's records off its volume", "deploy/helm/orderflow/templates/gateway.yaml",
  "mountPath: {{ .Values.gateway.dataDir }}", "mountPath: /var/lib/gateway",
  "./deploy", "TestChart$"),
 ("the chart's autoscaler watches groups without kafka.group_prefix", "deploy/helm/orderflow/templates/autoscaling.yaml",
  "consumerGroup: {{ printf \"%s%s\" ($kafka.group_prefix | default \"\") $group }}", "consumerGroup: {{ $group }}",
  "./deploy", "TestChart$"),
 ("the router's handler goroutines are never reused", "third_party/watermill/message/router_goroutines.go",
  "if p.idle.Add(1) > p.max {", "if p.idle.Add(1) > 0 {",
  "third_party/watermill:./message", "IdleHandlerGoroutines"),
 ("the router's idle handler goroutines outlive it", "third_party/watermill/message/router_goroutines.go",
  "func (p *handlerGoroutines) stop() { close(p.next) }", "func (p *handlerGoroutines) stop() {}",
  "third_party/watermill:./message", "IdleHandlerGoroutines"),
]
# python3 .ci/mutants.py [TEXT]: only the mutants whose name contains TEXT.
#
# A Go file's mutant reaches the compiler through go test -overlay, so the
# tree is never changed and two run at once (the machine's two cores); any
# other file (the chart's templates, read by the test at run time) is changed
# in place, one mutant at a time after those, and restored.
import atexit, concurrent.futures, json, os, shutil, tempfile

only = sys.argv[1] if len(sys.argv) > 1 else ""
work = tempfile.mkdtemp(prefix="mutants-")
atexit.register(shutil.rmtree, work, True)

def go_test(pkg, run, overlay=None):
    # A package of another module (third_party/watermill's) is "DIR:PKG".
    mod, _, path = pkg.rpartition(":")
    args = ["go"] + (["-C", mod] if mod else []) + ["test", "-count=1"]
    if overlay:
        args.append("-overlay=" + overlay)
    return subprocess.run(args + ["-run", run, path], capture_output=True, text=True, timeout=300)

def mutate(i, name, f, old, new, pkg, run):
    src = open(f).read()
    if old not in src:
        return name, pkg, run, None, f"pattern not found in {f}"
    mutated = src.replace(old, new, 1)
    if f.endswith(".go"):
        copy = os.path.join(work, f"{i}.go")
        open(copy, "w").write(mutated)
        overlay = os.path.join(work, f"{i}.json")
        json.dump({"Replace": {os.path.abspath(f): copy}}, open(overlay, "w"))
        return name, pkg, run, go_test(pkg, run, overlay), None
    open(f, "w").write(mutated)
    try:
        return name, pkg, run, go_test(pkg, run), None
    finally:
        open(f, "w").write(src)

def report(name, pkg, run, r, problem):
    if problem:
        print(f"?? {name}: {problem}"); return False
    # A mutant that does not compile proves nothing about the tests: it is an
    # error of this file, not a kill.
    if "[build failed]" in r.stdout or "[setup failed]" in r.stdout:
        print(f"!! {name}: the mutant does not compile\n          {(r.stdout + r.stderr).strip()[:300]}"); return False
    killed = r.returncode != 0
    first = next((l.strip() for l in r.stdout.splitlines() if "_test.go" in l), r.stdout.strip().splitlines()[0] if r.stdout.strip() else r.stderr.strip()[:120])
    print(f"{'killed' if killed else 'SURVIVED'}  {name:48s} {pkg} -run {run}\n          {first[:160]}", flush=True)
    return killed

chosen = [(i, *m) for i, m in enumerate(M) if only in m[0]]
ok = True
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for result in pool.map(lambda m: mutate(*m), [m for m in chosen if m[2].endswith(".go")]):
        ok &= report(*result)
for m in chosen:
    if not m[2].endswith(".go"):
        ok &= report(*mutate(*m))
sys.exit(0 if ok else 1)
