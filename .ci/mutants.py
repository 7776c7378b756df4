#!/usr/bin/env python3
# Mutation checks for the core mechanisms (issue 11): each mutant breaks one
# guarantee in the source; the named millisecond test must fail on it. The
# file is restored after each run. Run from the repository root: task test:mutants
# Each mutant: (name, file, old, new, package, test regex). Apply, run, expect FAIL, revert.
import subprocess, sys
M = [
 ("window commits past a gap", "app/messaging/subscriber/window.go",
  "for len(w.pending) > 0 && w.finished[w.pending[0]] {",
  "if offset+1 > next { next, advanced = offset+1, true }\n\tfor len(w.pending) > 0 && w.finished[w.pending[0]] {",
  "./app/messaging/subscriber", "OffsetWindow"),
 ("claim ignores the key lane", "app/messaging/subscriber/claim.go",
  "if queue, busy := waiting[k]; busy {", "if queue, busy := waiting[k]; busy && false {",
  "./app/messaging/subscriber", "Claim"),
 ("drain runs what waits behind an abandoned message", "app/messaging/subscriber/claim.go",
  "\t\t\tif !acked {\n\t\t\t\t// km goes", "\t\t\tif !acked && false {\n\t\t\t\t// km goes",
  "./app/messaging/subscriber", "DrainLeaves"),
 ("marshaler drops the key", "app/messaging/kafka/marshal.go",
  "if KeyOf(msg) == \"\" {", "if true {",
  "./app/messaging/kafka", "Marshaler"),
 ("key back in the context (lost on Copy)", "app/messaging/kafka/marshal.go",
  "func KeyOf(msg *message.Message) string { return msg.Metadata.Get(KeyMetadata) }",
  "func KeyOf(msg *message.Message) string { if msg.Context().Value(\"k\") == nil { return \"\" }; return msg.Metadata.Get(KeyMetadata) }",
  "./app/messaging/middleware", "KeySurvives"),
 ("dead letter acks when its publish failed", "app/messaging/middleware/deadletter.go",
  "return nil, errors.Join(err, fmt.Errorf(\"publish dead letter: %w\", pubErr))",
  "return nil, nil",
  "./app/messaging/middleware", "DeadLetterThatFails"),
 ("retry also retries permanent errors", "app/messaging/middleware/retry.go",
  "if err == nil || events.IsPermanent(err) || c.MaxAttempts < 2 {", "if err == nil || c.MaxAttempts < 2 {",
  "./app/messaging/middleware", "Chain"),
 ("retry steps its backoff twice per failure (Watermill's Retry did)", "app/messaging/middleware/retry.go",
  "wait := time.NewTimer(b.NextBackOff())", "b.NextBackOff()\n\t\t\t\twait := time.NewTimer(b.NextBackOff())",
  "./app/messaging/middleware", "RetryWaits"),
 ("recoverer outside retry and dead letter", "app/messaging/middleware/chain.go",
  "\t\tinstrument(c.Metrics),\n\t\tc.DeadLetter.Middleware,\n\t\tretry(c.Retry),\n\t\tcountAttempts(c.Logger, c.Metrics),\n\t\tmiddleware.Timeout(c.Timeout),\n\t\tmiddleware.Recoverer,\n",
  "\t\tmiddleware.Recoverer,\n\t\tinstrument(c.Metrics),\n\t\tc.DeadLetter.Middleware,\n\t\tretry(c.Retry),\n\t\tcountAttempts(c.Logger, c.Metrics),\n\t\tmiddleware.Timeout(c.Timeout),\n",
  "./app/messaging/middleware", "Chain"),
 ("no retry counted", "app/messaging/middleware/attempts.go",
  "m.Retried(message.HandlerNameFromCtx(msg.Context()))", "_ = m",
  "./app/messaging/middleware", "Chain"),
 ("dead letter not counted", "app/messaging/middleware/deadletter.go",
  "d.cfg.Metrics.DeadLettered(", "_ = fmt.Sprint(",
  "./app/messaging/middleware", "Chain"),
 ("correlation not copied to outputs", "app/messaging/middleware/correlation.go",
  "p.Metadata.Set(events.HeaderCorrelationID, id)", "_ = p",
  "./app/messaging/middleware", "Chain|Correlation"),
 ("file store ignores the other process's lines", "app/gateway/filestore.go",
  "if json.Unmarshal(line, &rec) == nil {", "if json.Unmarshal(line, &rec) == nil && false {",
  "./app/gateway", "Shared"),
 ("filter ignores kind", "app/messaging/deadletter/filter.go",
  "(f.Kind == \"\" || strings.EqualFold(f.Kind, string(d.ErrorKind)))", "(f.Kind == \"\" || strings.EqualFold(f.Kind, string(d.ErrorKind)) || true)",
  "./app/messaging/deadletter", "Filter"),
 ("replay of a replayed letter", "app/messaging/deadletter/replay.go",
  "case d.ReplayedAt != nil:", "case d.ReplayedAt != nil && false:",
  "./app/messaging/deadletter", "Refuses"),
 ("idempotency key forgets its answer", "app/intake/keys.go",
  "if el, ok := k.byKey[key]; ok {", "if el, ok := k.byKey[key]; ok && false {",
  "./app/intake", "Keys"),
 ("outputs leave the trace context behind", "app/messaging/middleware/tracing.go",
  "tracing.Inject(ctx, p)", "_ = p",
  "./app/messaging/middleware", "TraceContext"),
 ("no exporter, and the trace context stays behind", "app/messaging/middleware/tracing.go",
  "\n\t\t\ttracing.Inject(ctx, p)", "\n\t\t\t_ = p",
  "./app/messaging/middleware", "TraceContext"),
 ("readiness ignores the consumer groups", "app/messaging/readiness.go",
  "if !s.Joined() {", "if !s.Joined() && false {",
  "./app", "ReadinessFollowsGroupsAndBrokers/embedded"),
 ("readiness ignores the brokers", "app/messaging/readiness.go",
  "if err := r.brokersAnswer(ctx); err != nil {", "if err := r.brokersAnswer(ctx); err != nil && false {",
  "./app", "ReadinessFollowsGroupsAndBrokers/embedded"),
 ("spans posted to a base URL's root", "app/tracing/tracing.go",
  "u.Path = \"/v1/traces\"", "u.Path = \"/\"",
  "./app", "SpansReachAnOTLPCollector/embedded"),
 ("tracker counts replay markers as dead letters", "app/settle/tracker.go",
  "if m.Topic == t.topics.DeadLetter && deadletter.IsReplayMarker(m) {", "if false {",
  "./app/settle", "Tracker"),
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
 ("fault header honoured with injection off", "app/messaging/middleware/faults.go",
  "case !enabled:", "case !enabled && false:",
  "./app/messaging/middleware", "InjectFaults"),
 ("unknown members accepted (a fault field gets in)", "events/codec.go",
  "json.RejectUnknownMembers(true)", "json.RejectUnknownMembers(false)",
  "./events", "Decode"),
 ("intake takes an ID reused for another order", "app/intake/orders.go",
  "return before, before.digest != t.digest, false", "return before, false, false",
  "./app/intake", "RefusesAnOrderID"),
 ("serve defaults to the embedded broker", "app/config/defaults.yaml",
  "  embedded: false", "  embedded: true",
  "./app/config", "Embedded"),
]
ok = True
for name, f, old, new, pkg, run in M:
    src = open(f).read()
    if old not in src:
        print(f"?? {name}: pattern not found in {f}"); ok = False; continue
    open(f, "w").write(src.replace(old, new, 1))
    try:
        r = subprocess.run(["go", "test", "-count=1", "-run", run, pkg], capture_output=True, text=True, timeout=300)
    finally:
        open(f, "w").write(src)
    killed = r.returncode != 0
    first = next((l.strip() for l in r.stdout.splitlines() if "_test.go" in l), r.stdout.strip().splitlines()[0] if r.stdout.strip() else r.stderr.strip()[:120])
    print(f"{'killed' if killed else 'SURVIVED'}  {name:48s} {pkg} -run {run}\n          {first[:160]}")
    ok &= killed
sys.exit(0 if ok else 1)
