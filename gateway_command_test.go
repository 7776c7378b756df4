package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderflow/orderflow/app/gatewayhttp"
	"github.com/orderflow/orderflow/handlers"
)

// orderflow gateway as a process (no Kafka): it charges, answers
// `orderflow health --gateway`, stops with exit 0 on SIGTERM, and after a restart on its records file answers a repeat with the
// first receipt, so a restarted gateway charges no order twice.
func TestGatewayCommandKeepsItsRecordsAcrossARestart(t *testing.T) {
	env := []string{"ORDERFLOW_GATEWAY_LISTEN=127.0.0.1:0", "ORDERFLOW_GATEWAY_STORE_PATH=" + filepath.Join(t.TempDir(), "gateway.jsonl")}
	ctx := context.Background()
	req := handlers.ChargeRequest{Key: "o-1", AmountCents: 1200, Currency: "EUR", Digest: "d-1"}
	var first handlers.Receipt
	for i := range 2 {
		cmd, out := orderflow(t, env, "gateway")
		addr := awaitOutput(t, out, `msg="payment gateway serving" component=gateway addr=(\S+)`, 30*time.Second)
		c := gatewayhttp.NewClient("http://"+addr, 1)
		r, err := c.Charge(ctx, req)
		c.Close()
		switch {
		case err != nil:
			t.Fatalf("run %d: %v\n%s", i+1, err, out)
		case i == 0:
			first = r
		case r.PaymentID != first.PaymentID || !r.ChargedAt.Equal(first.ChargedAt):
			t.Errorf("after a restart: %+v; want the first receipt %+v", r, first)
		}
		if i == 0 { // the healthcheck a container runs, on gateway.listen
			if got := run(t, []string{"ORDERFLOW_GATEWAY_LISTEN=" + addr}, "health", "--gateway"); got != "ready\n" {
				t.Errorf("health --gateway: %q, want ready", got)
			}
		}
		stopGracefully(t, cmd, out)
	}
	if n := receipts(t, env[1][len("ORDERFLOW_GATEWAY_STORE_PATH="):])["o-1"]; n != 1 {
		t.Errorf("the records file holds %d charges of o-1, want 1", n)
	}
}
