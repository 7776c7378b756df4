package events

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
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
// without placed_at sends the same order.
func (o OrderPlaced) Digest() string {
	o.PlacedAt = time.Time{}
	data, err := json.Marshal(o, json.Deterministic(true))
	if err != nil { // an OrderPlaced always encodes; a digest of nothing stays unique to this case
		data = []byte(err.Error())
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}
