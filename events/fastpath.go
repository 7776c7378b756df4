package events

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The events every message-hop reads or writes (orders read by payments,
// payments read by shipping and notifications, and what they write) go
// through the functions here, written by hand for their fields, not through
// json's reflection: JSON was a fifth of a hop's CPU (BenchmarkCodec: reading
// an order 2.2× faster, writing a payment 2×). They read and write exactly
// what json.Unmarshal and json.Marshal do, and only the form json.Marshal
// writes; anything else they leave, and json runs instead: an unknown or
// repeated member, an escaped name, null, a number with a fraction or
// exponent, a time not in canonical RFC 3339 UTC, a string that is not UTF-8,
// anything broken. So every error and its message still comes from json.
// fastpath_test.go holds them to json on what json writes, on odd and on
// broken input; FuzzFastPath goes further.

// decodeFast reads data into one of the hot path's events. ok false means
// "not sure": the caller decodes with json.Unmarshal.
func decodeFast(data []byte, into any) (ok bool) {
	r := scanner{src: data}
	switch ev := into.(type) {
	case *OrderPlaced:
		ok = r.object(func(field int) bool {
			switch field {
			case fOrderID:
				return r.str(&ev.OrderID)
			case fCustomerID:
				return r.str(&ev.CustomerID)
			case fEmail:
				return r.str(&ev.Email)
			case fShipTo:
				return r.address(&ev.ShipTo)
			case fItems:
				return r.items(&ev.Items)
			case fTotalCents:
				return r.int64(&ev.TotalCents)
			case fCurrency:
				return r.str(&ev.Currency)
			case fPlacedAt:
				return r.time(&ev.PlacedAt)
			}
			return false
		})
	case *PaymentSucceeded:
		ok = r.object(func(field int) bool {
			switch field {
			case fOrderID:
				return r.str(&ev.OrderID)
			case fPaymentID:
				return r.str(&ev.PaymentID)
			case fCustomerID:
				return r.str(&ev.CustomerID)
			case fEmail:
				return r.str(&ev.Email)
			case fAmountCents:
				return r.int64(&ev.AmountCents)
			case fCurrency:
				return r.str(&ev.Currency)
			case fChargedAt:
				return r.time(&ev.ChargedAt)
			case fPlacedAt:
				return r.time(&ev.PlacedAt)
			}
			return false
		})
	default:
		return false
	}
	r.space()
	return ok && r.i == len(r.src)
}

// The member names the fast path knows, as numbers: a bit each in an
// object's set of names seen, so a repeated one is caught.
const (
	fOrderID = iota
	fCustomerID
	fEmail
	fShipTo
	fItems
	fTotalCents
	fCurrency
	fPlacedAt
	fPaymentID
	fAmountCents
	fChargedAt
	fName
	fStreet
	fCity
	fPostcode
	fCountry
	fSKU
	fQuantity
	fPriceCents
)

// field is the number of a known member name, or -1.
func field(name string) int {
	switch name {
	case "order_id":
		return fOrderID
	case "customer_id":
		return fCustomerID
	case "email":
		return fEmail
	case "ship_to":
		return fShipTo
	case "items":
		return fItems
	case "total_cents":
		return fTotalCents
	case "currency":
		return fCurrency
	case "placed_at":
		return fPlacedAt
	case "payment_id":
		return fPaymentID
	case "amount_cents":
		return fAmountCents
	case "charged_at":
		return fChargedAt
	case "name":
		return fName
	case "street":
		return fStreet
	case "city":
		return fCity
	case "postcode":
		return fPostcode
	case "country":
		return fCountry
	case "sku":
		return fSKU
	case "quantity":
		return fQuantity
	case "price_cents":
		return fPriceCents
	}
	return -1
}

// scanner reads the subset of JSON json.Marshal writes for these events:
// objects of known names, strings without escapes, integers, arrays of
// objects. Anything else stops it (ok false), and json reads the payload.
type scanner struct {
	src []byte
	i   int
}

func (r *scanner) space() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next skips whitespace and takes c, if it is next.
func (r *scanner) next(c byte) bool {
	r.space()
	if r.i < len(r.src) && r.src[r.i] == c {
		r.i++
		return true
	}
	return false
}

// object reads an object, calling member with each name's number, the
// scanner before its value. A name not known, or seen twice, stops it.
func (r *scanner) object(member func(field int) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	var seen uint64
	for {
		name, ok := r.raw()
		if !ok || !r.next(':') {
			return false
		}
		f := field(string(name))
		if f < 0 || seen&(1<<f) != 0 || !member(f) {
			return false
		}
		seen |= 1 << f
		if r.next('}') {
			return true
		}
		if !r.next(',') {
			return false
		}
	}
}

// str reads a string in valid UTF-8, a copy of its own (a field kept, such
// as an order ID remembered, does not hold the payload).
func (r *scanner) str(into *string) bool {
	s, ok := r.raw()
	if ok {
		*into = string(s)
	}
	return ok
}

// raw reads a string in valid UTF-8 and returns its bytes, unquoted: a slice
// of the payload, or for a string with escapes, unquoted by jsontext as json
// does it.
func (r *scanner) raw() ([]byte, bool) {
	if !r.next('"') {
		return nil, false
	}
	start, escaped, ascii := r.i, false, true
	for r.i < len(r.src) {
		for r.i < len(r.src) && !special[r.src[r.i]] {
			r.i++
		}
		if r.i >= len(r.src) {
			return nil, false
		}
		switch c := r.src[r.i]; {
		case c == '"':
			s := r.src[start:r.i]
			r.i++
			if !escaped {
				return s, ascii || utf8.Valid(s)
			}
			unquoted, err := jsontext.AppendUnquote(nil, r.src[start-1:r.i])
			return unquoted, err == nil
		case c == '\\':
			escaped = true
			r.i += 2 // the escaped byte cannot end the string
		case c < 0x20:
			return nil, false
		default:
			ascii = false
			r.i++
		}
	}
	return nil, false
}

// special marks the bytes a string's scan stops at: its end, an escape, a
// control character (invalid in JSON), a byte beyond ASCII (UTF-8 to check).
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= 0x80
	}
	return t
}()

// int64 reads an integer written as digits alone (json.Marshal's form);
// json.Unmarshal is left what it accepts beyond that.
func (r *scanner) int64(into *int64) bool {
	r.space()
	neg := r.i < len(r.src) && r.src[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var n uint64
	for ; r.i < len(r.src) && '0' <= r.src[r.i] && r.src[r.i] <= '9'; r.i++ {
		if n > (math.MaxUint64-9)/10 {
			return false // past any int64
		}
		n = n*10 + uint64(r.src[r.i]-'0')
	}
	switch {
	case r.i == start || (r.src[start] == '0' && r.i-start > 1):
		return false // no digits, or a leading zero
	case r.i < len(r.src) && bytes.IndexByte([]byte(".eE"), r.src[r.i]) >= 0:
		return false // a fraction or an exponent
	case neg && n <= 1<<63:
		*into = -int64(n)
	case !neg && n < 1<<63:
		*into = int64(n)
	default:
		return false
	}
	return true
}

func (r *scanner) int(into *int) bool {
	var n int64
	if !r.int64(&n) || int64(int(n)) != n {
		return false
	}
	*into = int(n)
	return true
}

// time reads a time in the form json.Marshal writes a UTC time
// (RFC 3339 with nanoseconds, trailing zeros dropped, Z).
func (r *scanner) time(into *time.Time) bool {
	s, ok := r.raw()
	if !ok || len(s) == 0 || s[len(s)-1] != 'Z' {
		return false
	}
	var t time.Time
	if err := t.UnmarshalText(s); err != nil || string(t.AppendFormat(make([]byte, 0, 40), time.RFC3339Nano)) != string(s) {
		return false
	}
	*into = t
	return true
}

func (r *scanner) address(into *Address) bool {
	return r.object(func(field int) bool {
		switch field {
		case fName:
			return r.str(&into.Name)
		case fStreet:
			return r.str(&into.Street)
		case fCity:
			return r.str(&into.City)
		case fPostcode:
			return r.str(&into.Postcode)
		case fCountry:
			return r.str(&into.Country)
		}
		return false
	})
}

func (r *scanner) items(into *[]Item) bool {
	if !r.next('[') {
		return false
	}
	items := make([]Item, 0, 4)
	if !r.next(']') {
		for {
			var it Item
			if !r.object(func(field int) bool {
				switch field {
				case fSKU:
					return r.str(&it.SKU)
				case fQuantity:
					return r.int(&it.Quantity)
				case fPriceCents:
					return r.int64(&it.PriceCents)
				}
				return false
			}) {
				return false
			}
			items = append(items, it)
			if r.next(']') {
				break
			}
			if !r.next(',') {
				return false
			}
		}
	}
	*into = items
	return true
}

// encodeFast writes the events the steps produce as json.Marshal does. ok
// false means json must: a string that is not UTF-8 (json's error), a time
// not in UTC, or one json refuses (a year outside 0–9999).
func encodeFast(ev Event) (data []byte, ok bool) {
	w := writer{b: make([]byte, 0, 320)}
	switch ev := ev.(type) {
	case PaymentSucceeded:
		w.str(`{"order_id":`, ev.OrderID)
		w.str(`,"payment_id":`, ev.PaymentID)
		w.str(`,"customer_id":`, ev.CustomerID)
		w.str(`,"email":`, ev.Email)
		w.int64(`,"amount_cents":`, ev.AmountCents)
		w.str(`,"currency":`, ev.Currency)
		w.time(`,"charged_at":`, ev.ChargedAt)
		w.time(`,"placed_at":`, ev.PlacedAt)
	case PaymentDeclined:
		w.str(`{"order_id":`, ev.OrderID)
		w.str(`,"customer_id":`, ev.CustomerID)
		w.str(`,"email":`, ev.Email)
		w.int64(`,"amount_cents":`, ev.AmountCents)
		w.str(`,"currency":`, ev.Currency)
		w.str(`,"reason":`, ev.Reason)
		w.time(`,"placed_at":`, ev.PlacedAt)
	case ShipmentScheduled:
		w.str(`{"order_id":`, ev.OrderID)
		w.str(`,"shipment_id":`, ev.ShipmentID)
		w.str(`,"carrier":`, ev.Carrier)
		w.time(`,"eta":`, ev.ETA)
		w.time(`,"placed_at":`, ev.PlacedAt)
	case CustomerNotified:
		w.str(`{"order_id":`, ev.OrderID)
		w.str(`,"customer_id":`, ev.CustomerID)
		w.str(`,"channel":`, ev.Channel)
		w.str(`,"to":`, ev.To)
		w.str(`,"template":`, ev.Template)
		w.time(`,"placed_at":`, ev.PlacedAt)
	default:
		return nil, false
	}
	return append(w.b, '}'), w.ok()
}

// writer appends members; the first that json would refuse or write
// otherwise spoils it.
type writer struct {
	b       []byte
	spoiled bool
}

func (w *writer) ok() bool { return !w.spoiled }

func (w *writer) str(prefix, s string) {
	var err error
	w.b, err = jsontext.AppendQuote(append(w.b, prefix...), s)
	w.spoiled = w.spoiled || err != nil
}

func (w *writer) int64(prefix string, n int64) {
	w.b = strconv.AppendInt(append(w.b, prefix...), n, 10)
}

func (w *writer) time(prefix string, t time.Time) {
	if _, offset := t.Zone(); offset != 0 || t.Year() < 0 || t.Year() > 9999 {
		w.spoiled = true // json writes the offset, or refuses the time
		return
	}
	w.b = append(t.AppendFormat(append(w.b, prefix+`"`...), time.RFC3339Nano), '"')
}
