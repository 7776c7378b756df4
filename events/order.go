package events

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Item is one line of an order.
type Item struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents"`
}

// Address is where an order ships.
type Address struct {
	Name     string `json:"name"`
	Street   string `json:"street"`
	City     string `json:"city"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

// OrderPlaced enters the pipeline on the orders topic.
type OrderPlaced struct {
	OrderID    string  `json:"order_id"`
	CustomerID string  `json:"customer_id"`
	Email      string  `json:"email"`
	ShipTo     Address `json:"ship_to"`
	Items      []Item  `json:"items"`
	TotalCents int64   `json:"total_cents"`
	Currency   string  `json:"currency"`
	// PlacedAt, when an order comes without it, is when it entered: the
	// intake's clock, or the timestamp of its record on the orders topic.
	PlacedAt time.Time `json:"placed_at"`
}

func (OrderPlaced) EventType() string  { return TypeOrderPlaced }
func (o OrderPlaced) OrderKey() string { return o.OrderID }

// Validate reports every problem with the order at once.
func (o OrderPlaced) Validate() error {
	var errs []error
	if o.OrderID == "" {
		errs = append(errs, errors.New("order_id is empty"))
	}
	if o.CustomerID == "" {
		errs = append(errs, errors.New("customer_id is empty"))
	}
	if err := validateEmail(o.Email); err != nil {
		errs = append(errs, err)
	}
	if err := validateCurrency(o.Currency); err != nil {
		errs = append(errs, err)
	}
	sum, itemsErr := validateItems(o.Items)
	totalErr := validateAmount("total_cents", o.TotalCents)
	errs = append(errs, itemsErr, totalErr)
	if itemsErr == nil && totalErr == nil && sum != o.TotalCents {
		errs = append(errs, fmt.Errorf("total_cents %d does not match the items' sum %d", o.TotalCents, sum))
	}
	return errors.Join(errs...)
}

// Digest identifies the order's content: who buys what, shipped where, for
// how much. Two orders with one ID and one digest are the same order sent
// twice; with two digests, they are different orders that share an ID. When
// the order was placed is not part of it: a client that sends an order again
// without placed_at sends the same order. It is SHA-256 (first 128 bits, hex)
// over the fields in a fixed order, each string length-prefixed, so no two
// orders share an input; built on the stack, without reflection: it runs once
// per order charged. The gateway keeps it with each charge, so the encoding
// must not change.
func (o OrderPlaced) Digest() string {
	var buf [512]byte
	b := append(buf[:0], 1) // the encoding's version
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	for _, s := range []string{o.OrderID, o.CustomerID, o.Email, o.Currency,
		o.ShipTo.Name, o.ShipTo.Street, o.ShipTo.City, o.ShipTo.Postcode, o.ShipTo.Country} {
		str(s)
	}
	num(o.TotalCents)
	num(int64(len(o.Items)))
	for _, it := range o.Items {
		str(it.SKU)
		num(int64(it.Quantity))
		num(it.PriceCents)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
