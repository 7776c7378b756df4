package events

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// agreesWithJSON checks decodeFast against json.Unmarshal on data, for the
// event type of into: when the fast path takes data, json must take it too
// and read the same value. It reports whether the fast path took it.
func agreesWithJSON(t testing.TB, data []byte, newEvent func() any) bool {
	t.Helper()
	fast, slow := newEvent(), newEvent()
	took := decodeFast(data, fast)
	err := json.Unmarshal(data, slow, json.RejectUnknownMembers(true))
	if !took {
		return false
	}
	if err != nil {
		t.Fatalf("the fast path read %q, which json refuses: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: the fast path read\n%#v\njson read\n%#v", data, fast, slow)
	}
	return true
}

var hotEvents = map[string]func() any{
	TypeOrderPlaced:      func() any { return new(OrderPlaced) },
	TypePaymentSucceeded: func() any { return new(PaymentSucceeded) },
}

// tricky are strings json must escape or carry as they are.
var tricky = []string{"", "plain", `quote " and \ backslash`, "tab\tnewline\n\x01", "ümlaut 日本 🚀", "<html>&", "\u2028\u2029", "/slash"}

func randomOrder(rng *rand.Rand) OrderPlaced {
	pick := func() string { return tricky[rng.IntN(len(tricky))] + fmt.Sprint(rng.IntN(1000)) }
	o := OrderPlaced{
		OrderID: pick(), CustomerID: pick(), Email: pick(), Currency: pick(),
		ShipTo:     Address{Name: pick(), Street: pick(), City: pick(), Postcode: pick(), Country: pick()},
		TotalCents: rng.Int64N(1<<40) - 1<<20,
		PlacedAt:   time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC(),
	}
	for range rng.IntN(4) {
		o.Items = append(o.Items, Item{SKU: pick(), Quantity: rng.IntN(100) - 3, PriceCents: rng.Int64N(1e9)})
	}
	return o
}

func randomPayment(rng *rand.Rand) PaymentSucceeded {
	o := randomOrder(rng)
	return PaymentSucceeded{OrderID: o.OrderID, PaymentID: o.Email, CustomerID: o.CustomerID, Email: o.ShipTo.Name,
		AmountCents: o.TotalCents, Currency: o.Currency, ChargedAt: o.PlacedAt.Add(time.Duration(rng.Int64N(1e12))), PlacedAt: o.PlacedAt}
}

// Every event json.Marshal writes, the fast path reads, to the same value.
func TestFastPathReadsWhatJSONWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		for typ, ev := range map[string]any{TypeOrderPlaced: randomOrder(rng), TypePaymentSucceeded: randomPayment(rng)} {
			data, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if !agreesWithJSON(t, data, hotEvents[typ]) {
				t.Fatalf("the fast path left a %s json wrote to json: %s", typ, data)
			}
		}
	}
}

// Input the fast path does not know the form of, or that is broken, goes to
// json; whatever the fast path does take, json reads the same.
func TestFastPathLeavesTheRestToJSON(t *testing.T) {
	const order = `{"order_id":"o-1","customer_id":"c-1","email":"a@b.co","ship_to":{"name":"N","street":"S","city":"C","postcode":"P","country":"DE"},"items":[{"sku":"s","quantity":2,"price_cents":150}],"total_cents":300,"currency":"EUR","placed_at":"2026-12-05T10:00:00.5Z"}`
	if !agreesWithJSON(t, []byte(order), hotEvents[TypeOrderPlaced]) {
		t.Fatal("the fast path left a plain order to json")
	}
	left := map[string]string{
		"unknown member":          strings.Replace(order, `"currency"`, `"fault":"panic","currency"`, 1),
		"unknown nested member":   strings.Replace(order, `"city"`, `"floor":3,"city"`, 1),
		"duplicate member":        strings.Replace(order, `"currency":"EUR"`, `"currency":"EUR","currency":"USD"`, 1),
		"escaped name":            strings.Replace(order, `"order_id"`, `"order\u005fid"`, 1),
		"name in another case":    strings.Replace(order, `"order_id"`, `"Order_ID"`, 1),
		"null string":             strings.Replace(order, `"email":"a@b.co"`, `"email":null`, 1),
		"null items":              strings.Replace(order, `[{"sku":"s","quantity":2,"price_cents":150}]`, `null`, 1),
		"fraction":                strings.Replace(order, `"total_cents":300`, `"total_cents":300.0`, 1),
		"exponent":                strings.Replace(order, `"total_cents":300`, `"total_cents":3e2`, 1),
		"overflow":                strings.Replace(order, `"total_cents":300`, `"total_cents":99999999999999999999`, 1),
		"string for number":       strings.Replace(order, `"total_cents":300`, `"total_cents":"300"`, 1),
		"number for string":       strings.Replace(order, `"currency":"EUR"`, `"currency":978`, 1),
		"time with offset":        strings.Replace(order, `10:00:00.5Z`, `11:00:00.5+01:00`, 1),
		"time not canonical":      strings.Replace(order, `10:00:00.5Z`, `10:00:00.500Z`, 1),
		"time lower-case z":       strings.Replace(order, `10:00:00.5Z`, `10:00:00.5z`, 1),
		"time not a time":         strings.Replace(order, `2026-12-05T10:00:00.5Z`, `yesterday`, 1),
		"trailing data":           order + `x`,
		"a second value":          order + ` {}`,
		"not an object":           `[` + order + `]`,
		"truncated":               order[:len(order)-3],
		"invalid UTF-8":           strings.Replace(order, `"N"`, "\"N\xff\"", 1),
		"escapes in a value":      strings.Replace(order, `"N"`, `"N\u00fc\n"`, 1),
		"whitespace everywhere":   strings.NewReplacer(`:`, " :\n ", `,`, "\t,\r\n").Replace(order),
		"empty object":            `{}`,
		"empty items":             strings.Replace(order, `[{"sku":"s","quantity":2,"price_cents":150}]`, `[]`, 1),
		"item not an object":      strings.Replace(order, `[{"sku":"s","quantity":2,"price_cents":150}]`, `[1]`, 1),
		"quantity past int range": strings.Replace(order, `"quantity":2`, `"quantity":-9223372036854775809`, 1),
		"negative zero":           strings.Replace(order, `"quantity":2`, `"quantity":-0`, 1),
	}
	for name, data := range left {
		t.Run(name, func(t *testing.T) { agreesWithJSON(t, []byte(data), hotEvents[TypeOrderPlaced]) })
	}
	// Broken at random: a byte changed, dropped or repeated.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		b := []byte(order)
		i := rng.IntN(len(b))
		switch rng.IntN(3) {
		case 0:
			chars := "{}[]\",:\\ 0a-.eZ\xff"
			b[i] = chars[rng.IntN(len(chars))]
		case 1:
			b = append(b[:i], b[i+1:]...)
		default:
			b = append(b[:i+1], b[i:]...)
		}
		agreesWithJSON(t, b, hotEvents[TypeOrderPlaced])
	}
}

// go test ./events -fuzz FuzzFastPath: the same check on input the fuzzer writes.
func FuzzFastPath(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5 {
		o, _ := json.Marshal(randomOrder(rng))
		p, _ := json.Marshal(randomPayment(rng))
		f.Add(o)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agreesWithJSON(t, data, hotEvents[TypeOrderPlaced])
		agreesWithJSON(t, data, hotEvents[TypePaymentSucceeded])
	})
}

// What the fast path writes is byte for byte what json.Marshal writes, and
// what it leaves to json is what it could get wrong.
func TestFastPathWritesWhatJSONWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	berlin := time.FixedZone("CET", 3600)
	written := 0
	for i := range 4000 {
		o, p := randomOrder(rng), randomPayment(rng)
		when := p.ChargedAt
		switch i % 10 {
		case 6:
			when = when.In(time.FixedZone("far", 25*3600)) // json refuses an offset past 23 hours
		case 7:
			when = when.In(berlin)
		case 8:
			when = time.Date(10000+rng.IntN(5), 1, 1, 0, 0, 0, 0, time.UTC)
		case 9:
			p.Email = "bad \xff UTF-8"
		}
		p.ChargedAt = when
		for _, ev := range []Event{
			p,
			PaymentDeclined{OrderID: o.OrderID, CustomerID: o.CustomerID, Email: p.Email, AmountCents: o.TotalCents, Currency: o.Currency, Reason: o.ShipTo.Name, PlacedAt: when},
			ShipmentScheduled{OrderID: o.OrderID, ShipmentID: o.Email, Carrier: o.ShipTo.City, ETA: when, PlacedAt: o.PlacedAt},
			CustomerNotified{OrderID: o.OrderID, CustomerID: o.CustomerID, Channel: o.Currency, To: p.Email, Template: o.ShipTo.Street, PlacedAt: when},
		} {
			want, wantErr := json.Marshal(ev)
			got, ok := encodeFast(ev)
			if !ok {
				continue
			}
			written++
			if wantErr != nil || string(got) != string(want) {
				t.Fatalf("%T: the fast path wrote\n%s\njson writes\n%s (%v)", ev, got, want, wantErr)
			}
		}
	}
	if written < 4000*4*6/10 {
		t.Errorf("the fast path wrote %d of %d events; it should write every one in UTC with valid strings", written, 4000*4)
	}
}

// go test ./events -run '^$' -bench Codec -benchmem: the hot path's decode and
// encode, by the fast path and by json.
func BenchmarkCodec(b *testing.B) {
	// An order as seed writes them.
	placed := time.Date(2026, 12, 5, 17, 30, 12, 345678000, time.UTC)
	o := OrderPlaced{OrderID: "ord-3f2a9c1e-000042", CustomerID: "cust-0042", Email: "jane.doe@example.com",
		ShipTo:     Address{Name: "Jane Doe", Street: "12 Elm Street", City: "Springfield", Postcode: "12345", Country: "DE"},
		Items:      []Item{{SKU: "sku-1", Quantity: 2, PriceCents: 1500}, {SKU: "sku-2", Quantity: 1, PriceCents: 990}},
		TotalCents: 3990, Currency: "EUR", PlacedAt: placed}
	data, _ := json.Marshal(o)
	p := PaymentSucceeded{OrderID: o.OrderID, PaymentID: "pay-9b1c0d2e", CustomerID: o.CustomerID, Email: o.Email,
		AmountCents: o.TotalCents, Currency: o.Currency, ChargedAt: placed.Add(time.Second), PlacedAt: placed}
	b.Run("decode/fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var ev OrderPlaced
			if !decodeFast(data, &ev) {
				b.Fatal("left to json")
			}
		}
	})
	b.Run("decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var ev OrderPlaced
			if err := json.Unmarshal(data, &ev, json.RejectUnknownMembers(true)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := encodeFast(p); !ok {
				b.Fatal("left to json")
			}
		}
	})
	b.Run("encode/json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
