package config

// The pipeline's steps by name. A step's name is its consumer group (where
// Kafka keeps its offsets: renaming a step starts its group afresh), its
// handler's name in logs, metrics and dead letters, and its key under
// faults.error_rate. The steps themselves (handlers) are plain functions that
// know no names; app/pipeline.go binds each name to its function.
const (
	StepPayments      = "payments"
	StepShipping      = "shipping"
	StepNotifications = "notifications"
)

// StepNames lists every step, in pipeline order.
func StepNames() []string { return []string{StepPayments, StepShipping, StepNotifications} }
