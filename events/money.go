package events

import (
	"errors"
	"fmt"
)

// Bounds on an order's money. With them, no sum or product of an order's
// amounts can overflow an int64: 1,000 lines × 10,000 units × 10^8 cents is
// 10^15, far below 9.2 × 10^18. A real shop sets its own; these only keep
// forged or broken orders out.
const (
	MaxItems         = 1_000
	MaxQuantity      = 10_000
	MaxPriceCents    = 100_000_000   // 1,000,000.00 per unit
	MaxOrderTotal    = 1_000_000_000 // 10,000,000.00 per order
	currencyCodeSize = 3
)

// validateAmount checks a charged amount: positive, within MaxOrderTotal.
func validateAmount(field string, cents int64) error {
	if cents <= 0 || cents > MaxOrderTotal {
		return fmt.Errorf("%s %d must be between 1 and %d", field, cents, MaxOrderTotal)
	}
	return nil
}

// validateCurrency checks an ISO 4217-shaped code: three upper-case letters.
func validateCurrency(code string) error {
	if len(code) != currencyCodeSize {
		return fmt.Errorf("currency %q is not a 3-letter code", code)
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return fmt.Errorf("currency %q is not a 3-letter code", code)
		}
	}
	return nil
}

// validateItems checks each line and returns the lines' sum, counting only the
// lines within bounds, so that the sum cannot overflow.
func validateItems(items []Item) (int64, error) {
	var errs []error
	switch {
	case len(items) == 0:
		return 0, errors.New("items is empty")
	case len(items) > MaxItems:
		return 0, fmt.Errorf("items has %d lines, more than %d", len(items), MaxItems)
	}
	var sum int64
	for i, it := range items {
		ok := true
		if it.SKU == "" {
			errs = append(errs, fmt.Errorf("items[%d].sku is empty", i))
		}
		if it.Quantity <= 0 || it.Quantity > MaxQuantity {
			errs = append(errs, fmt.Errorf("items[%d].quantity %d must be between 1 and %d", i, it.Quantity, MaxQuantity))
			ok = false
		}
		if it.PriceCents < 0 || it.PriceCents > MaxPriceCents {
			errs = append(errs, fmt.Errorf("items[%d].price_cents %d must be between 0 and %d", i, it.PriceCents, MaxPriceCents))
			ok = false
		}
		if ok {
			sum += int64(it.Quantity) * it.PriceCents
		}
	}
	return sum, errors.Join(errs...)
}

// FormatMoney writes an amount for people: 30000 and EUR as "300.00 EUR".
func FormatMoney(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, cents/100, cents%100, currency)
}
