package events

import (
	"errors"
	"time"
)

// PaymentOutcome is either PaymentSucceeded or PaymentDeclined: the two events
// on the payments topic. A decline is a business outcome, not an error.
type PaymentOutcome interface {
	Event
	Customer() (id, email string)
	OrderPlacedAt() time.Time
}

// PaymentSucceeded says an order was charged.
type PaymentSucceeded struct {
	OrderID     string    `json:"order_id"`
	PaymentID   string    `json:"payment_id"`
	CustomerID  string    `json:"customer_id"`
	Email       string    `json:"email"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency"`
	ChargedAt   time.Time `json:"charged_at"`
	PlacedAt    time.Time `json:"placed_at"`
}

// Validate holds a payment to the same money and address rules as its order:
// a forged or corrupted event cannot ship a negative charge.
func (p PaymentSucceeded) Validate() error {
	return validatePayment(p.OrderID, p.Email, p.Currency, p.AmountCents, p.PaymentID == "")
}

func (PaymentSucceeded) EventType() string            { return TypePaymentSucceeded }
func (p PaymentSucceeded) OrderKey() string           { return p.OrderID }
func (p PaymentSucceeded) Customer() (string, string) { return p.CustomerID, p.Email }
func (p PaymentSucceeded) OrderPlacedAt() time.Time   { return p.PlacedAt }

// PaymentDeclined says the gateway refused to charge an order.
type PaymentDeclined struct {
	OrderID     string    `json:"order_id"`
	CustomerID  string    `json:"customer_id"`
	Email       string    `json:"email"`
	AmountCents int64     `json:"amount_cents"`
	Currency    string    `json:"currency"`
	Reason      string    `json:"reason"`
	PlacedAt    time.Time `json:"placed_at"`
}

func (PaymentDeclined) EventType() string            { return TypePaymentDeclined }
func (p PaymentDeclined) OrderKey() string           { return p.OrderID }
func (p PaymentDeclined) Customer() (string, string) { return p.CustomerID, p.Email }
func (p PaymentDeclined) OrderPlacedAt() time.Time   { return p.PlacedAt }

// ShipmentScheduled says a paid order has a shipment booked.
type ShipmentScheduled struct {
	OrderID    string    `json:"order_id"`
	ShipmentID string    `json:"shipment_id"`
	Carrier    string    `json:"carrier"`
	ETA        time.Time `json:"eta"`
	PlacedAt   time.Time `json:"placed_at"`
}

func (ShipmentScheduled) EventType() string  { return TypeShipmentScheduled }
func (s ShipmentScheduled) OrderKey() string { return s.OrderID }

// CustomerNotified says the customer was told about a payment outcome.
type CustomerNotified struct {
	OrderID    string    `json:"order_id"`
	CustomerID string    `json:"customer_id"`
	Channel    string    `json:"channel"`
	To         string    `json:"to"`
	Template   string    `json:"template"`
	PlacedAt   time.Time `json:"placed_at"`
}

func (CustomerNotified) EventType() string  { return TypeCustomerNotified }
func (n CustomerNotified) OrderKey() string { return n.OrderID }

// Validate holds a decline to the same rules as a payment, without a payment ID.
func (p PaymentDeclined) Validate() error {
	return validatePayment(p.OrderID, p.Email, p.Currency, p.AmountCents, false)
}

func validatePayment(orderID, email, currency string, cents int64, noPaymentID bool) error {
	var errs []error
	if orderID == "" {
		errs = append(errs, errors.New("order_id is empty"))
	}
	if noPaymentID {
		errs = append(errs, errors.New("payment_id is empty"))
	}
	errs = append(errs, validateEmail(email), validateCurrency(currency), validateAmount("amount_cents", cents))
	return errors.Join(errs...)
}
