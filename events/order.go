package events

import (
	"errors"
	"fmt"
	"time"
)

// Fault names a failure that seed injects into an order so that the pipeline's
// error paths can be watched end to end. Real orders carry none.
type Fault string

// Injected faults. Poison orders carry no fault: they are invalid on the wire.
const (
	FaultNone  Fault = ""
	FaultFlaky Fault = "flaky" // the payment gateway fails transiently, fewer times than the retry budget
	FaultFail  Fault = "fail"  // the payment gateway keeps failing past the retry budget
	FaultPanic Fault = "panic" // the payment gateway client panics
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
	OrderID    string    `json:"order_id"`
	CustomerID string    `json:"customer_id"`
	Email      string    `json:"email"`
	ShipTo     Address   `json:"ship_to"`
	Items      []Item    `json:"items"`
	TotalCents int64     `json:"total_cents"`
	Currency   string    `json:"currency"`
	PlacedAt   time.Time `json:"placed_at"`
	Fault      Fault     `json:"fault,omitempty"`
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
	switch o.Fault {
	case FaultNone, FaultFlaky, FaultFail, FaultPanic:
	default:
		errs = append(errs, fmt.Errorf("fault %q is unknown", o.Fault))
	}
	return errors.Join(errs...)
}
