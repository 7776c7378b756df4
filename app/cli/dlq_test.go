package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/orderflow/orderflow/app/messaging/deadletter"
	"github.com/orderflow/orderflow/app/messaging/kafkaclient"
	"github.com/orderflow/orderflow/app/testkit"
)

// Filters and counts that could only select nothing, or say nothing, are
// refused before any broker is dialled (nothing answers on 127.0.0.1:1),
// with exit 2 and one line saying what would be accepted.
func TestDlqAndSeedRefuseWhatCannotWork(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:1")
	kinds := "want one of permanent, retries_exhausted, panic, timeout\n"
	for _, tt := range []struct {
		give []string
		want string
	}{
		{give: []string{"dlq", "list", "--kind", "panics"}, want: "orderflow dlq list: --kind \"panics\" is no error kind: " + kinds},
		{give: []string{"dlq", "triage", "--kind", "panics"}, want: "orderflow dlq triage: --kind \"panics\" is no error kind: " + kinds},
		{give: []string{"dlq", "replay", "--kind", "panics", "--all"}, want: "orderflow dlq replay: --kind \"panics\" is no error kind: " + kinds},
		{give: []string{"dlq", "list", "--handler", "payment"}, want: "orderflow dlq list: --handler \"payment\" is no handler: want one of payments, shipping, notifications\n"},
		{give: []string{"dlq", "list", "--limit", "-3"}, want: "orderflow dlq list: --limit -3: want 0 (all) or more\n"},
		{give: []string{"seed", "--count", "-5"}, want: "orderflow seed: --count -5: must be 0 or more\n"},
		{give: []string{"seed", "--count", "1", "--panic", "-1", "--rate", "-2.5"}, want: "orderflow seed: --rate -2.5, --panic -1: must be 0 or more\n"},
		{give: []string{"seed", "--count", "3", "--fail", "2", "--panic", "2"}, want: "orderflow seed: 4 faulty orders (--fail 2, --panic 2) do not fit in --count 3: lower those or raise --count\n"},
		{give: []string{"demo", "--count", "10"}, want: "orderflow demo: 13 faulty orders (--poison 4, --flaky 4, --fail 3, --panic 2) do not fit in --count 10: lower those or raise --count\n"},
	} {
		code, out, errs := runMain(tt.give...)
		want := tt.want + "Run '" + strings.TrimSuffix(tt.want[:strings.Index(tt.want, ": ")], ":") + " --help' for usage.\n"
		if code != 2 || out != "" || errs != want {
			t.Errorf("orderflow %s: exit %d, stdout %q\nstderr %q\nwant   %q", strings.Join(tt.give, " "), code, out, errs, want)
		}
	}
}

// dlq list says how many it showed of how many the filters select; replay
// of a UUID that is not there fails and replays nothing.
func TestDlqCountsAndUnknownID(t *testing.T) {
	t.Chdir(t.TempDir())
	c := testkit.Embedded(t)
	if _, err := kafkaclient.EnsureTopics(c.Conn(t), c.Cfg.Topics); err != nil {
		t.Fatal(err)
	}
	var letters []*message.Message
	for i := range 6 {
		m := message.NewMessage(fmt.Sprintf("letter-%d", i), []byte(`{}`))
		m.Metadata.Set(deadletter.HeaderTopic, c.Cfg.Topics.Orders)
		m.Metadata.Set(deadletter.HeaderHandler, "payments")
		m.Metadata.Set(deadletter.HeaderErrorKind, string(deadletter.KindPermanent))
		m.Metadata.Set(deadletter.HeaderReason, "invalid OrderPlaced")
		m.Metadata.Set(deadletter.HeaderFailedAt, time.Now().Format(time.RFC3339Nano))
		letters = append(letters, m)
	}
	if err := testkit.Producer(t, c).Send(c.Cfg.Topics.DeadLetter, letters...); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ORDERFLOW_KAFKA_BROKERS", strings.Join(c.Brokers, ","))

	for _, tt := range []struct {
		give     []string
		wantCode int
		wantLast string
	}{
		{give: []string{"dlq", "list", "--limit", "2"}, wantCode: 0, wantLast: "2 of 6 dead letters in dlq"},
		{give: []string{"dlq", "list", "--limit", "6"}, wantCode: 0, wantLast: "6 dead letters in dlq"},
		{give: []string{"dlq", "list", "--kind", "panic"}, wantCode: 0, wantLast: "0 dead letters in dlq"},
		{give: []string{"dlq", "replay", "--id", "nope,letter-1"}, wantCode: 1,
			wantLast: "orderflow dlq replay: --id nope: no such dead letter in dlq (or not one the other filters select); nothing replayed"},
		{give: []string{"dlq", "list", "--pending"}, wantCode: 0, wantLast: "6 dead letters in dlq"}, // nothing was replayed
	} {
		code, out, errs := runMain(tt.give...)
		lines := strings.Split(strings.TrimSpace(out+errs), "\n")
		if code != tt.wantCode || lines[len(lines)-1] != tt.wantLast {
			t.Errorf("orderflow %s: exit %d, last line %q; want %d and %q\n%s%s",
				strings.Join(tt.give, " "), code, lines[len(lines)-1], tt.wantCode, tt.wantLast, out, errs)
		}
	}
}

// dlq list's SCHEMA column: a letter's schema subject and version, or -.
func TestDlqListShowsTheSchema(t *testing.T) {
	var out strings.Builder
	printDeadLetters(IO{Out: &out}, []deadletter.Letter{
		{UUID: "u-1", SchemaSubject: "orders-OrderPlaced", SchemaVersion: 3},
		{UUID: "u-2"},
	})
	lines := strings.Split(out.String(), "\n")
	col := strings.Index(lines[0], "SCHEMA")
	if col < 0 || len(lines) < 3 || !strings.HasPrefix(lines[1][col:], "orders-OrderPlaced v3 ") || !strings.HasPrefix(lines[2][col:], "- ") {
		t.Errorf("dlq list =\n%s\nwant a SCHEMA column with orders-OrderPlaced v3, then -", out.String())
	}
}
