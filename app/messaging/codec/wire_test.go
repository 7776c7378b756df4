package codec_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/orderflow/orderflow/app/messaging/codec"
	"github.com/orderflow/orderflow/app/schemas"
	"github.com/orderflow/orderflow/app/schemas/schemastest"
	"github.com/orderflow/orderflow/events"
)

var order = events.OrderPlaced{
	OrderID: "o-1", CustomerID: "c-1", Email: "c-1@example.com", Currency: "EUR",
	Items: []events.Item{{SKU: "A", Quantity: 2, PriceCents: 150}}, TotalCents: 300,
}

// registry is an in-memory registry holding this build's OrderPlaced
// schema under orders-OrderPlaced, and a catalog on it.
func registry(t *testing.T) (*srfake.Registry, *schemas.Catalog, int) {
	t.Helper()
	reg, cfg, id := schemastest.Registry(t, "orders-OrderPlaced", events.TypeOrderPlaced)
	cat := schemastest.Catalog(t, cfg)
	return reg, cat, id
}

func encoded(t *testing.T, w codec.Wire) *message.Message {
	t.Helper()
	msg, err := codec.Encode(order, "seed")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Stamp(context.Background(), msg, "orders", events.TypeOrderPlaced); err != nil {
		t.Fatal(err)
	}
	return msg
}

// Without a registry nothing changes: plain JSON, no schema headers.
func TestWireWithoutRegistry(t *testing.T) {
	msg := encoded(t, codec.Wire{})
	plain, _ := events.Encode(order)
	if string(msg.Payload) != string(plain) || msg.Metadata.Get(events.HeaderSchemaID) != "" || msg.Metadata.Get(events.HeaderSchemaSubject) != "" {
		t.Errorf("payload %q headers %v, want plain JSON and no schema headers", msg.Payload, msg.Metadata)
	}
}

// With a registry an output carries its schema's subject, ID and version;
// framed, its payload is the Confluent wire format. Either reads back.
func TestWireStampsOutputs(t *testing.T) {
	_, cat, id := registry(t)
	plain, _ := events.Encode(order)
	for _, framed := range []bool{false, true} {
		w := codec.Wire{Catalog: cat, Framed: framed}
		msg := encoded(t, w)
		if got := [3]string{msg.Metadata.Get(events.HeaderSchemaSubject), msg.Metadata.Get(events.HeaderSchemaID), msg.Metadata.Get(events.HeaderSchemaVersion)}; got != [3]string{"orders-OrderPlaced", strconv.Itoa(id), "1"} {
			t.Errorf("framed %v: schema headers %q, want orders-OrderPlaced, %d, 1", framed, got, id)
		}
		want := plain
		if framed {
			want = binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
			want = append(want, plain...)
		}
		if string(msg.Payload) != string(want) {
			t.Errorf("framed %v: payload %q, want %q", framed, msg.Payload, want)
		}
		ev, err := w.Decode(msg, "", 1<<20)
		if err != nil || ev.(events.OrderPlaced).OrderID != "o-1" {
			t.Errorf("framed %v: read back %v, %v", framed, ev, err)
		}
	}
}

// Inputs come plain, framed, or with the ID in a header; one naming another
// registered schema is held to it, and its refusal is permanent and names
// the subject, the version and the member.
func TestWireChecksInputs(t *testing.T) {
	reg, cat, id := registry(t)
	data, _ := events.Schema(events.TypeOrderPlaced)
	narrower := strings.Replace(string(data), `"maximum": 10000}`, `"maximum": 1}`, 1)
	if narrower == string(data) {
		t.Fatal("the edit changed nothing")
	}
	v2, _, err := reg.RegisterSchema("orders-OrderPlaced", sr.Schema{Schema: narrower, Type: sr.TypeJSON})
	if err != nil {
		t.Fatal(err)
	}
	w := codec.Wire{Catalog: cat}
	plain, _ := events.Encode(order) // quantity 2
	frame := func(id int) []byte { return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), plain...) }
	tests := []struct {
		name   string
		give   []byte
		header string // schema_id
		want   string // "" for read
	}{
		{name: "plain, no header", give: plain},
		{name: "framed, this build's schema", give: frame(id)},
		{name: "header, this build's schema", give: plain, header: strconv.Itoa(id)},
		{name: "framed, version 2 refuses", give: frame(v2), want: "schema orders-OrderPlaced version 2 refuses items[0].quantity: maximum: got 2, want 1"},
		{name: "header, version 2 refuses", give: plain, header: strconv.Itoa(v2), want: "schema orders-OrderPlaced version 2 refuses items[0].quantity"},

		{name: "framed, this build's schema refuses", give: append(frame(id)[:5], `{"order_id":"o-1"}`...), want: "schema orders-OrderPlaced version 1: invalid OrderPlaced: customer_id is empty"},
		{name: "header not a number", give: plain, header: "x", want: `schema_id header "x" is not a schema ID`},
		{name: "header negative", give: plain, header: "-5", want: `schema_id header "-5" is not a schema ID`},
		{name: "header signed", give: plain, header: "+7", want: `schema_id header "+7" is not a schema ID`},
		{name: "header zero", give: plain, header: "0", want: `schema_id header "0" is not a schema ID`},
		{name: "framed zero", give: frame(0), want: "schema ID 0 in the Confluent framing is not a schema ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := message.NewMessage("m", tt.give)
			msg.Metadata.Set(events.HeaderType, events.TypeOrderPlaced)
			if tt.header != "" {
				msg.Metadata.Set(events.HeaderSchemaID, tt.header)
			}
			ev, err := w.Decode(msg, "", 1<<20)
			if tt.want == "" {
				if err != nil || ev.(events.OrderPlaced).OrderID != "o-1" {
					t.Fatalf("Decode() = %v, %v; want the order", ev, err)
				}
				return
			}
			if err == nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode() error %v, want a permanent %q", err, tt.want)
			}
			var refused *schemas.RefusedError
			if strings.Contains(tt.want, "refuses") && (!errors.As(err, &refused) || msg.Metadata.Get(events.HeaderSchemaVersion) != "2") {
				t.Errorf("error %T, input's schema_version %q; want a *schemas.RefusedError and the input marked version 2", err, msg.Metadata.Get(events.HeaderSchemaVersion))
			}
		})
	}
}

// A registry outage: what was looked up before is still read and written;
// an ID never seen is a transient error, to be retried.
func TestWireThroughAnOutage(t *testing.T) {
	reg, cat, id := registry(t)
	w := codec.Wire{Catalog: cat, Framed: true}
	encoded(t, w) // looks this build's schema up
	reg.Close()

	msg := encoded(t, w)
	if msg.Metadata.Get(events.HeaderSchemaID) != strconv.Itoa(id) {
		t.Errorf("output during the outage has schema_id %q, want %d", msg.Metadata.Get(events.HeaderSchemaID), id)
	}
	if _, err := w.Decode(msg, "", 1<<20); err != nil {
		t.Errorf("a cached schema's input during the outage: %v", err)
	}
	unseen := message.NewMessage("m", append([]byte{0, 0, 0, 0x10, 0}, msg.Payload[5:]...))
	unseen.Metadata.Set(events.HeaderType, events.TypeOrderPlaced)
	if _, err := w.Decode(unseen, "", 1<<20); err == nil || events.IsPermanent(err) || !strings.Contains(err.Error(), "look up schema ID 4096") {
		t.Errorf("an unseen ID during the outage: %v, want a transient error naming the lookup", err)
	}
	if err := cat.Reachable(context.Background(), time.Second); err == nil {
		t.Error("Reachable() = nil during the outage")
	}
}

// A record that names this build's OrderPlaced schema but says it is
// another event type is refused at once, whether the ID was cached by an
// output (no schema compiled) or read first.
func TestWireRefusesAnotherTypesSchema(t *testing.T) {
	_, cat, id := registry(t)
	w := codec.Wire{Catalog: cat, Framed: true}
	encoded(t, w) // caches id as this build's OrderPlaced schema
	msg := message.NewMessage("m", []byte(`{"order_id":"o-1","amount_cents":300}`))
	msg.Metadata.Set(events.HeaderType, events.TypePaymentSucceeded)
	msg.Metadata.Set(events.HeaderSchemaID, strconv.Itoa(id))
	_, err := w.Decode(msg, "", 1<<20)
	want := "schema ID " + strconv.Itoa(id) + " is OrderPlaced's; the record says PaymentSucceeded"
	if err == nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Decode() error %v, want a permanent %q", err, want)
	}
}

// A schema subject and version a producer set itself reach no dead letter
// unless the registry vouches for them: dropped when the input names no
// schema ID or one the registry does not hold, replaced by the registry's
// when it does. The schema_id stays, so a retry checks it again.
func TestWireDropsUnverifiedSchemaHeaders(t *testing.T) {
	_, cat, id := registry(t)
	plain, _ := events.Encode(order)
	tests := []struct {
		name string
		wire codec.Wire
		id   string // the forged schema_id; "" for none
		want string // the schema_subject kept; "" for none
	}{
		{name: "no ID", wire: codec.Wire{Catalog: cat}},
		{name: "no registry", wire: codec.Wire{}, id: strconv.Itoa(id)},
		{name: "unknown ID", wire: codec.Wire{Catalog: cat}, id: "9999"},
		{name: "this build's ID", wire: codec.Wire{Catalog: cat}, id: strconv.Itoa(id), want: "orders-OrderPlaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := message.NewMessage("m", plain)
			msg.Metadata.Set(events.HeaderType, events.TypeOrderPlaced)
			msg.Metadata.Set(events.HeaderSchemaSubject, "orders-Forged")
			msg.Metadata.Set(events.HeaderSchemaVersion, "7")
			if tt.id != "" {
				msg.Metadata.Set(events.HeaderSchemaID, tt.id)
			}
			_, first := tt.wire.Decode(msg, "", 1<<20)
			if _, again := tt.wire.Decode(msg, "", 1<<20); (first == nil) != (again == nil) {
				t.Errorf("Decode() = %v, then on a retry %v; want the same outcome", first, again)
			}
			if got := msg.Metadata.Get(events.HeaderSchemaSubject); got != tt.want || (tt.want == "" && msg.Metadata.Get(events.HeaderSchemaVersion) != "") {
				t.Errorf("schema_subject %q, schema_version %q after Decode; want %q", got, msg.Metadata.Get(events.HeaderSchemaVersion), tt.want)
			}
		})
	}
}

// wider registers a version 2 of orders-OrderPlaced that allows up to
// 100000 of an item (this build allows 10000), and returns its ID.
func wider(t *testing.T, reg *srfake.Registry) int {
	t.Helper()
	data, _ := events.Schema(events.TypeOrderPlaced)
	v2, _, err := reg.RegisterSchema("orders-OrderPlaced", sr.Schema{Type: sr.TypeJSON,
		Schema: strings.Replace(string(data), `"maximum": 10000}`, `"maximum": 100000}`, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return v2
}

// A refusal after another schema accepted the input is the strict
// decoder's, and is not put on that schema.
func TestWireNamesOnlyTheSchemaThatRefused(t *testing.T) {
	reg, cat, _ := registry(t)
	v2 := wider(t, reg)
	bulk := order
	bulk.Items = []events.Item{{SKU: "A", Quantity: 20000, PriceCents: 1}}
	bulk.TotalCents = 20000
	plain, _ := events.Encode(bulk)
	msg := message.NewMessage("m", append(binary.BigEndian.AppendUint32([]byte{0}, uint32(v2)), plain...))
	msg.Metadata.Set(events.HeaderType, events.TypeOrderPlaced)
	_, err := codec.Wire{Catalog: cat}.Decode(msg, "", 1<<20)
	if err == nil || !events.IsPermanent(err) || !strings.Contains(err.Error(), "quantity 20000 must be between 1 and 10000") || strings.Contains(err.Error(), "schema orders-OrderPlaced") {
		t.Errorf("Decode() = %v, want the decoder's permanent refusal, naming no schema", err)
	}
}

// A foreign schema's refusal is read from the cache once the registry is
// gone: the same permanent refusal, not a lookup that fails.
func TestWireRefusesFromTheCacheThroughAnOutage(t *testing.T) {
	reg, cat, _ := registry(t)
	data, _ := events.Schema(events.TypeOrderPlaced)
	v2, _, err := reg.RegisterSchema("orders-OrderPlaced", sr.Schema{Type: sr.TypeJSON,
		Schema: strings.Replace(string(data), `"maximum": 10000}`, `"maximum": 1}`, 1)})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := events.Encode(order) // quantity 2
	decode := func() error {
		msg := message.NewMessage("m", append(binary.BigEndian.AppendUint32([]byte{0}, uint32(v2)), plain...))
		msg.Metadata.Set(events.HeaderType, events.TypeOrderPlaced)
		_, err := codec.Wire{Catalog: cat, Framed: true}.Decode(msg, "", 1<<20)
		return err
	}
	before := decode()
	reg.Close()
	after := decode()
	var refused *schemas.RefusedError
	if !errors.As(after, &refused) || !events.IsPermanent(after) || before == nil || after.Error() != before.Error() {
		t.Errorf("during the outage: %v; want the refusal from before it: %v", after, before)
	}
}
